import DeskKit
import Foundation
import Synchronization

/// What the bandit knows, per org, durably under `state/<org>/bandit/`:
///
/// - `counters/<template_id>.json`: per variant and day, impressions, clicks and conversions
///   (``TemplateCounters``), held in memory with prefix sums so a window total is O(1);
/// - `deliveries.jsonl`: which template and variant each `tracking_id` was delivered, so an event
///   carrying only a tracking id is counted for the right variant;
/// - `sticky.jsonl`: the variant each `user_id` was given per template.
///
/// An org's files are read once, the first time the org is used. Deliveries and assignments are
/// buffered as they happen and made durable by ``sync()`` (one append and `fsync` per file),
/// which the desk calls before it writes a result. Thread-safe; a store without a layout keeps
/// everything in memory (dry runs, benchmarks).
public final class BanditStore: Sendable {
    /// A variant of a template, as delivered.
    public struct Delivery: Sendable, Hashable {
        public var templateID: String
        public var copyID: String
        public init(templateID: String, copyID: String) {
            self.templateID = templateID
            self.copyID = copyID
        }
    }

    struct OrgState {
        var counters: [String: TemplateCounters] = [:]
        var deliveries: [String: [Delivery]] = [:]
        var deliveriesOffset = 0
        var sticky: [String: String] = [:]
        var pendingDeliveries: [UInt8] = []
        var pendingSticky: [UInt8] = []
    }

    let layout: DeskLayout?
    let orgs = Mutex<[String: OrgState]>([:])
    /// The source of ``TemplateCounters/stamp``s.
    static let stamps = Atomic<UInt64>(0)
    /// Serialises writers (event application, ``sync()``) so files are appended and rewritten in
    /// order; readers (choices) only take `orgs` briefly.
    let writeLock = NSLock()

    /// A store for the desk `layout`; `nil` keeps everything in memory.
    public init(layout: DeskLayout?) {
        self.layout = layout
    }

    func countersFolder(_ org: String) -> String? {
        layout.map { Path.join($0.bandit(org: org), "counters") }
    }

    func deliveriesLog(_ org: String) -> AppendLog? {
        layout.map { AppendLog(path: Path.join($0.bandit(org: org), "deliveries.jsonl")) }
    }

    func stickyLog(_ org: String) -> AppendLog? {
        layout.map { AppendLog(path: Path.join($0.bandit(org: org), "sticky.jsonl")) }
    }

    static func stickyKey(_ userID: String, _ templateID: String) -> String { userID + "\u{1F}" + templateID }

    /// Runs `body` on the state of `org`, reading the org's files first if this is its first use.
    func withOrg<T>(_ org: String, _ body: (inout OrgState) -> T) -> T {
        orgs.withLock { orgs in
            if orgs[org] == nil { orgs[org] = load(org) }
            return body(&orgs[org]!)
        }
    }

    private func load(_ org: String) -> OrgState {
        var state = OrgState()
        guard layout != nil else { return state }
        if let folder = countersFolder(org) {
            for entry in (try? FileSystem.entries(of: folder)) ?? []
            where entry.kind == .file && !entry.name.hasPrefix(".") && entry.name.hasSuffix(".json") {
                guard let bytes = (try? FileSystem.readFile(Path.join(folder, entry.name))) ?? nil,
                    let json = try? JSONValue.parse(bytes), var counters = TemplateCounters(json: json)
                else { continue }
                counters.stamp = Self.newStamp()
                state.counters[counters.templateID] = counters
            }
        }
        if let log = deliveriesLog(org) {
            let (values, end) = log.read()
            for value in values { Self.addDelivery(value, to: &state) }
            state.deliveriesOffset = end
        }
        if let log = stickyLog(org) {
            for value in log.read().values {
                guard let user = value["user_id"]?.stringValue, let template = value["template_id"]?.stringValue,
                    let copy = value["copy_id"]?.stringValue
                else { continue }
                state.sticky[Self.stickyKey(user, template)] = copy
            }
        }
        return state
    }

    private static func addDelivery(_ value: JSONValue, to state: inout OrgState) {
        guard let tracking = value["tracking_id"]?.stringValue, let template = value["template_id"]?.stringValue,
            let copy = value["copy_id"]?.stringValue
        else { return }
        let delivery = Delivery(templateID: template, copyID: copy)
        var list = state.deliveries[tracking] ?? []
        // One delivery per template and tracking id: a later one replaces an earlier.
        list.removeAll { $0.templateID == template }
        list.append(delivery)
        state.deliveries[tracking] = list
    }

    /// The counters of `templateID` in `org`, or `nil` when no event was counted for it. O(1): a
    /// copy-on-write snapshot, safe to read while events are applied.
    public func counters(org: String, templateID: String) -> TemplateCounters? {
        withOrg(org) { $0.counters[templateID] }
    }

    /// The variant `userID` was given for `templateID`, if any. O(1).
    public func stickyVariant(org: String, userID: String, templateID: String) -> String? {
        withOrg(org) { $0.sticky[Self.stickyKey(userID, templateID)] }
    }

    /// Records that `delivery` was generated: under `trackingID` (so its events find it) and, with
    /// `stickyUser`, as that user's assignment for the template. Takes effect in memory at once;
    /// durable at the next ``sync()``.
    public func record(_ delivery: Delivery, org: String, trackingID: String?, stickyUser: String?, at: Timestamp) {
        let stamp = JSONValue.string(at.iso8601)
        withOrg(org) { state in
            if let trackingID {
                let line: JSONValue = [
                    "tracking_id": .string(trackingID), "template_id": .string(delivery.templateID),
                    "copy_id": .string(delivery.copyID), "at": stamp,
                ]
                Self.addDelivery(line, to: &state)
                if layout != nil {
                    state.pendingDeliveries += line.serialized()
                    state.pendingDeliveries.append(0x0A)
                }
            }
            if let stickyUser {
                let key = Self.stickyKey(stickyUser, delivery.templateID)
                if state.sticky[key] != delivery.copyID {
                    state.sticky[key] = delivery.copyID
                    if layout != nil {
                        let line: JSONValue = [
                            "user_id": .string(stickyUser), "template_id": .string(delivery.templateID),
                            "copy_id": .string(delivery.copyID), "at": stamp,
                        ]
                        state.pendingSticky += line.serialized()
                        state.pendingSticky.append(0x0A)
                    }
                }
            }
        }
    }

    /// The user's assignment for the template, made atomically: the existing one while it is in
    /// `eligible`, else `proposed`, which is recorded (durable at the next ``sync()``). Two
    /// batches choosing for one new user at once thus agree. O(1).
    public func claimSticky(
        org: String, userID: String, templateID: String, proposed: String, eligible: (String) -> Bool, at: Timestamp
    ) -> String {
        withOrg(org) { state in
            let key = Self.stickyKey(userID, templateID)
            if let existing = state.sticky[key], eligible(existing) { return existing }
            state.sticky[key] = proposed
            if layout != nil {
                let line: JSONValue = [
                    "user_id": .string(userID), "template_id": .string(templateID), "copy_id": .string(proposed),
                    "at": .string(at.iso8601),
                ]
                state.pendingSticky += line.serialized()
                state.pendingSticky.append(0x0A)
            }
            return proposed
        }
    }

    /// Makes every recorded delivery and assignment durable: appends them to the org's logs and
    /// `fsync`s. On failure the records stay pending and the next call tries again.
    public func sync() throws(Errno) {
        writeLock.lock()
        defer { writeLock.unlock() }
        let pending = orgs.withLock { orgs -> [(String, [UInt8], [UInt8])] in
            var out: [(String, [UInt8], [UInt8])] = []
            for org in orgs.keys where !orgs[org]!.pendingDeliveries.isEmpty || !orgs[org]!.pendingSticky.isEmpty {
                out.append((org, orgs[org]!.pendingDeliveries, orgs[org]!.pendingSticky))
                orgs[org]!.pendingDeliveries = []
                orgs[org]!.pendingSticky = []
            }
            return out
        }
        for (index, (org, deliveries, sticky)) in pending.enumerated() {
            do throws(Errno) {
                try deliveriesLog(org)?.append(deliveries)
            } catch {
                restore(pending[index...])
                throw error
            }
            do throws(Errno) {
                try stickyLog(org)?.append(sticky)
            } catch {
                restore([(org, [], sticky)] + pending[(index + 1)...])
                throw error
            }
        }
    }

    private func restore(_ entries: some Collection<(String, [UInt8], [UInt8])>) {
        orgs.withLock { orgs in
            for (org, deliveries, sticky) in entries {
                guard var state = orgs[org] else { continue }
                state.pendingDeliveries = deliveries + state.pendingDeliveries
                state.pendingSticky = sticky + state.pendingSticky
                orgs[org] = state
            }
        }
    }

    /// Installs `counters` in memory (benchmarks and tests; events go through `apply`).
    public func install(_ counters: TemplateCounters, org: String) {
        var stamped = counters
        stamped.stamp = Self.newStamp()
        withOrg(org) { $0.counters[counters.templateID] = stamped }
    }

    /// A stamp no counters in this process had before.
    static func newStamp() -> UInt64 { stamps.add(1, ordering: .relaxed).newValue }
}
