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
/// Several processes may share a desk, and so these files. An org's files are read the first time
/// the org is used; after that the store follows what other processes write:
///
/// - counters: events are applied under `counters.lock` (`flock(2)`), on the file as it is on
///   disk (read again when its ``FileStamp`` changed since this process read or wrote it), so no
///   process overwrites another's counts; a choice looks at most once per `refreshInterval`
///   (one `stat(2)`) whether another process rewrote a template's counters, and reads them again
///   if so;
/// - sticky assignments: a claim holds the `flock(2)` of `sticky.jsonl`, reads the lines other
///   processes appended since its last read (it keeps its byte offset in the log), and only then
///   decides and appends; the first claim in the log wins;
/// - deliveries: appended by whole lines, and read on from the last offset when an events file
///   names a tracking id this process does not know.
///
/// Deliveries are buffered as they happen and made durable by ``sync()`` (one append and `fsync`
/// per file), which the desk calls before it writes a result; sticky claims are appended at once
/// (so other processes see them) and `fsync`ed by the next ``sync()``. Thread-safe; a store
/// without a layout keeps everything in memory (dry runs, benchmarks).
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

    /// A template's counters as this process holds them, and the version of their file.
    struct HeldCounters {
        /// The counters; `nil` when none were counted (or the file is not a counters file).
        var counters: TemplateCounters?
        /// The stamp of the file `counters` were read from or written to; `nil`: there was none.
        var file: FileStamp?
        /// When the file was last compared with `file` (monotonic nanoseconds).
        var checkedAt: UInt64
    }

    struct OrgState {
        var counters: [String: HeldCounters] = [:]
        var deliveries: [String: [Delivery]] = [:]
        /// Bytes of `deliveries.jsonl` read so far.
        var deliveriesOffset = 0
        var sticky: [String: String] = [:]
        /// Bytes of `sticky.jsonl` read so far.
        var stickyOffset = 0
        /// Whether `sticky.jsonl` holds lines this process appended or relied on since its last `fsync`.
        var stickyUnsynced = false
        /// Whether `sticky.jsonl` may have been created by this process since its folder's last `fsync`.
        var stickyFolderUnsynced = false
        var pendingDeliveries: [UInt8] = []
        /// Sticky lines that could not be appended when claimed (a full disk): ``sync()`` retries.
        var pendingSticky: [UInt8] = []
    }

    let layout: DeskLayout?
    let orgs = Mutex<[String: OrgState]>([:])
    /// At most how often a choice looks whether another process rewrote a template's counters.
    let refreshNanoseconds: UInt64
    /// The source of ``TemplateCounters/stamp``s.
    static let stamps = Atomic<UInt64>(0)
    /// Serialises this process's writers (event application, ``sync()``) so files are appended
    /// and rewritten in order; readers (choices) only take `orgs` briefly. Other processes are
    /// kept out by the lock files.
    let writeLock = NSLock()

    /// A store for the desk `layout`; `nil` keeps everything in memory. A choice looks at most
    /// once per `refreshInterval` whether another process changed a template's counters.
    public init(layout: DeskLayout?, refreshInterval: Duration = .seconds(1)) {
        self.layout = layout
        let (seconds, attoseconds) = refreshInterval.components
        refreshNanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    func countersFolder(_ org: String) -> String? {
        layout.map { Path.join($0.bandit(org: org), "counters") }
    }

    /// `state/<org>/bandit/counters.lock`: held while events are applied to the org's counters.
    func countersLock(_ org: String) -> FileLock? {
        layout.map { FileLock(path: Path.join($0.bandit(org: org), "counters.lock")) }
    }

    func deliveriesLog(_ org: String) -> AppendLog? {
        layout.map { AppendLog(path: Path.join($0.bandit(org: org), "deliveries.jsonl")) }
    }

    /// Appends delivery lines to the org's log under its `flock`, with an `fsync` (and one of
    /// the folder when the log is new): other processes append to the same log, and a failed
    /// append cuts the file back to its length before it, which must not cut their lines.
    func appendDeliveries(_ lines: [UInt8], org: String) throws(Errno) {
        guard !lines.isEmpty, let log = deliveriesLog(org) else { return }
        let created = !FileSystem.exists(log.path)
        try FileLock(path: log.path).withExclusive { fd throws(Errno) in
            _ = try AppendLog.append(lines, to: fd, sync: true)
        }
        if created { try FileSystem.syncDirectory(Path.parent(log.path)) }
    }

    func stickyLog(_ org: String) -> AppendLog? {
        layout.map { AppendLog(path: Path.join($0.bandit(org: org), "sticky.jsonl")) }
    }

    static func stickyKey(_ userID: String, _ templateID: String) -> String { userID + "\u{1F}" + templateID }

    /// Monotonic nanoseconds (`clock_gettime(CLOCK_MONOTONIC)`, no system call on Linux).
    static func uptime() -> UInt64 { SystemClock().uptimeNanoseconds() }

    /// Runs `body` on the state of `org`, reading the org's files first if this is its first use.
    func withOrg<T>(_ org: String, _ body: (inout OrgState) -> T) -> T {
        orgs.withLock { orgs in
            // (index(forKey:), not `orgs[org] == nil`, which copies the whole state.)
            if orgs.index(forKey: org) == nil { orgs[org] = load(org) }
            return body(&orgs[org]!)
        }
    }

    private func load(_ org: String) -> OrgState {
        var state = OrgState()
        guard layout != nil else { return state }
        if let folder = countersFolder(org) {
            let now = Self.uptime()
            for entry in (try? FileSystem.entries(of: folder)) ?? []
            where entry.kind == .file && !entry.name.hasPrefix(".") && entry.name.hasSuffix(".json") {
                let templateID = String(entry.name.dropLast(".json".count))
                guard let read = try? Self.readCounters(at: Path.join(folder, entry.name), templateID: templateID)
                else { continue }
                state.counters[templateID] = HeldCounters(counters: read.counters, file: read.file, checkedAt: now)
            }
        }
        if let log = deliveriesLog(org) {
            let (values, end) = log.read()
            for value in values { Self.addDelivery(value, to: &state) }
            state.deliveriesOffset = end
        }
        if let log = stickyLog(org) {
            let (values, end) = log.read()
            for value in values { Self.addSticky(value, to: &state) }
            state.stickyOffset = end
        }
        return state
    }

    /// Reads the lines appended to a log since this process last read it (from the offset kept at
    /// `offset`, with `read`: ``AppendLog/read(from:)`` or a read through a locked descriptor)
    /// and folds each into the org's state with `fold`: how the store follows the logs it shares
    /// with other processes. O(bytes appended since).
    func follow(
        org: String, offset: WritableKeyPath<OrgState, Int>, read: (Int) -> (values: [JSONValue], end: Int),
        _ fold: (JSONValue, inout OrgState) -> Void
    ) {
        while true {
            let from = withOrg(org) { $0[keyPath: offset] }
            let (values, end) = read(from)
            let done = withOrg(org) { state -> Bool in
                // Another thread read on meanwhile: read again from where it stopped.
                guard state[keyPath: offset] == from else { return false }
                for value in values { fold(value, &state) }
                state[keyPath: offset] = end
                return true
            }
            if done { return }
        }
    }

    static func addDelivery(_ value: JSONValue, to state: inout OrgState) {
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
    /// copy-on-write snapshot, safe to read while events are applied. At most once per
    /// `refreshInterval` per template, one `stat(2)` of its counters file, and a read of it when
    /// another process rewrote it.
    public func counters(org: String, templateID: String) -> TemplateCounters? {
        guard layout != nil else { return withOrg(org) { $0.counters[templateID]?.counters } }
        let now = Self.uptime()
        let interval = refreshNanoseconds
        let (counters, due, previous) = withOrg(org) { state -> (TemplateCounters?, Bool, FileStamp?) in
            if let held = state.counters[templateID], now &- held.checkedAt < interval {
                return (held.counters, false, nil)
            }
            let held = state.counters[templateID]
            state.counters[templateID, default: HeldCounters(checkedAt: now)].checkedAt = now
            return (held?.counters, true, held?.file)
        }
        guard due else { return counters }
        return refreshedCounters(org: org, templateID: templateID, previous: previous)
    }

    /// The variant `userID` was given for `templateID`, as this process knows it. O(1).
    public func stickyVariant(org: String, userID: String, templateID: String) -> String? {
        withOrg(org) { $0.sticky[Self.stickyKey(userID, templateID)] }
    }

    /// Records that `delivery` was generated under `trackingID`, so its events find it. (A user's
    /// assignment is claimed apart, with ``claimSticky``, before the choice is made.) The
    /// delivery takes effect in memory at once and is durable at the next ``sync()``.
    public func record(_ delivery: Delivery, org: String, trackingID: String?, at: Timestamp) {
        if let trackingID {
            let line: JSONValue = [
                "tracking_id": .string(trackingID), "template_id": .string(delivery.templateID),
                "copy_id": .string(delivery.copyID), "at": .string(at.iso8601),
            ]
            withOrg(org) { state in
                Self.addDelivery(line, to: &state)
                if layout != nil {
                    state.pendingDeliveries += line.serialized()
                    state.pendingDeliveries.append(0x0A)
                }
            }
        }
    }

    /// Makes every recorded delivery and assignment durable: appends the deliveries to the org's
    /// log, `fsync`s it and the sticky log. On failure the records stay pending and the next
    /// call tries again.
    public func sync() throws(Errno) {
        writeLock.lock()
        defer { writeLock.unlock() }
        let pending = orgs.withLock { orgs -> [Pending] in
            var out: [Pending] = []
            for org in orgs.keys {
                let state = orgs[org]!
                guard
                    !state.pendingDeliveries.isEmpty || !state.pendingSticky.isEmpty || state.stickyUnsynced
                        || state.stickyFolderUnsynced
                else { continue }
                out.append(
                    Pending(
                        org: org, deliveries: state.pendingDeliveries, sticky: state.pendingSticky,
                        stickyUnsynced: state.stickyUnsynced, stickyFolderUnsynced: state.stickyFolderUnsynced))
                orgs[org]!.pendingDeliveries = []
                orgs[org]!.pendingSticky = []
                orgs[org]!.stickyUnsynced = false
                orgs[org]!.stickyFolderUnsynced = false
            }
            return out
        }
        for (index, entry) in pending.enumerated() {
            do throws(Errno) {
                try appendDeliveries(entry.deliveries, org: entry.org)
            } catch {
                restore(pending[index...])
                throw error
            }
            do throws(Errno) {
                if !entry.sticky.isEmpty {
                    // Its fsync makes the claims appended before it durable too.
                    try appendPendingSticky(entry.sticky, org: entry.org)
                } else if entry.stickyUnsynced {
                    try stickyLog(entry.org)?.sync()
                }
                if entry.stickyFolderUnsynced, let layout {
                    try FileSystem.syncDirectory(layout.bandit(org: entry.org))
                }
            } catch {
                var rest = entry
                rest.deliveries = []
                restore([rest] + pending[(index + 1)...])
                throw error
            }
        }
    }

    /// What ``sync()`` has to make durable for one org.
    struct Pending {
        var org: String
        var deliveries: [UInt8]
        var sticky: [UInt8]
        var stickyUnsynced: Bool
        var stickyFolderUnsynced: Bool
    }

    private func restore(_ entries: some Collection<Pending>) {
        orgs.withLock { orgs in
            for entry in entries {
                guard var state = orgs[entry.org] else { continue }
                state.pendingDeliveries = entry.deliveries + state.pendingDeliveries
                state.pendingSticky = entry.sticky + state.pendingSticky
                state.stickyUnsynced = state.stickyUnsynced || entry.stickyUnsynced
                state.stickyFolderUnsynced = state.stickyFolderUnsynced || entry.stickyFolderUnsynced
                orgs[entry.org] = state
            }
        }
    }

    /// Installs `counters` in memory (benchmarks and tests; events go through `apply`).
    public func install(_ counters: TemplateCounters, org: String) {
        var stamped = counters
        stamped.stamp = Self.newStamp()
        let now = Self.uptime()
        withOrg(org) { state in
            state.counters[counters.templateID, default: HeldCounters(checkedAt: now)].counters = stamped
        }
    }

    /// A stamp no counters in this process had before.
    static func newStamp() -> UInt64 { stamps.add(1, ordering: .relaxed).newValue }
}
