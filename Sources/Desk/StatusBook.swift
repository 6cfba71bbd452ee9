import DeskKit
import Dialects
import Foundation
import Synchronization

/// Owns every status write of this process, so two writers never interleave on one batch.
///
/// A running batch registers here; a duplicate drop of it is added to the batch's own next
/// write (its in-memory status is the truth while it runs). A duplicate of a finished batch
/// rewrites that batch's status file under the same per-batch lock.
public final class StatusBook: Sendable {
    private struct Active {
        var duplicates: [JSONValue] = []
    }
    private let layout: DeskLayout
    private let clock: any DeskClock
    private let metrics: Metrics
    private let active = Mutex<[String: Active]>([:])
    private let locks = Mutex<[String: NSLock]>([:])

    /// A book for the desk `layout`.
    public init(layout: DeskLayout, clock: any DeskClock, metrics: Metrics = Metrics()) {
        self.layout = layout
        self.clock = clock
        self.metrics = metrics
        metrics.describe("copydesk_status_writes_total", "Status files written (coalesced while a batch runs).")
    }

    private func lock(_ batchID: String) -> NSLock {
        locks.withLock { locks in
            if let l = locks[batchID] { return l }
            let l = NSLock()
            locks[batchID] = l
            return l
        }
    }

    /// Marks `batchID` as running in this process; `false` when it already is (a second drop of
    /// the same file while the first is in flight).
    public func begin(_ batchID: String) -> Bool {
        active.withLock { active in
            if active[batchID] != nil { return false }
            active[batchID] = Active()
            return true
        }
    }

    /// Forgets a batch that stopped without a final write (released on shutdown, or failed).
    public func abandon(_ batchID: String) {
        let l = lock(batchID)
        l.lock()
        defer { l.unlock() }
        active.withLock { _ = $0.removeValue(forKey: batchID) }
    }

    /// Writes `status` atomically; with `final`, the batch stops being active in the same
    /// critical section, so a concurrent duplicate lands either in this write or in the file.
    /// With `syncDirectory: false` the caller takes over the `fsync` of the state folder.
    public func write(
        _ status: BatchStatus, final: Bool, dialect: (any RequestDialect)? = nil, syncDirectory: Bool = true
    ) throws(Errno) {
        let l = lock(status.batchID)
        l.lock()
        defer { l.unlock() }
        var document = status
        document.duplicates += active.withLock { $0[status.batchID]?.duplicates ?? [] }
        let folder = layout.state(org: status.org)
        try FileSystem.ensureDirectory(folder)
        try AtomicFile.write(
            document.serialized(updatedAt: clock.now(), dialect: dialect),
            to: layout.status(org: status.org, batchID: status.batchID), syncDirectory: syncDirectory)
        metrics.increment("copydesk_status_writes_total")
        if final { active.withLock { _ = $0.removeValue(forKey: status.batchID) } }
    }

    /// Records that `file` was dropped again as a duplicate of `batchID`.
    ///
    /// Returns `false` when the batch has no status yet and is not running here (another process
    /// is admitting it); the caller logs the duplicate then.
    public func recordDuplicate(of batchID: String, org: String, file: String) throws(Errno) -> Bool {
        let record: JSONValue = ["file": .string(file), "at": .string(clock.now().iso8601)]
        let l = lock(batchID)
        l.lock()
        defer { l.unlock() }
        let running = active.withLock { active -> Bool in
            guard active[batchID] != nil else { return false }
            active[batchID]!.duplicates.append(record)
            return true
        }
        if running { return true }
        let path = layout.status(org: org, batchID: batchID)
        guard FileSystem.exists(path), let bytes = try FileSystem.readFile(path),
            case .object(var document)? = try? JSONValue.parse(bytes)
        else { return false }
        var duplicates = document["duplicates"]?.arrayValue ?? []
        duplicates.append(record)
        document["duplicates"] = .array(duplicates)
        document["updated_at"] = .string(clock.now().iso8601)
        try AtomicFile.write(JSONValue.object(document).serialized(pretty: true), to: path)
        return true
    }

    /// Reads the members of `batchID`'s status before its items (progress, duplicates, …),
    /// without parsing the items: cheap for a batch of a million items. `nil` if there is none.
    public func readHeader(org: String, batchID: String) -> JSONObject? {
        let path = layout.status(org: org, batchID: batchID)
        guard let bytes = try? FileSystem.readFile(path) else { return nil }
        let marker = Array(",\n  \"items\": [".utf8)
        if let start = Self.find(marker, in: bytes) {
            var head = Array(bytes[0..<start])
            head.append(contentsOf: "}".utf8)
            if case .object(let o)? = try? JSONValue.parse(head) { return o }
        }
        return (try? JSONValue.parse(bytes))?.objectValue
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count, let first = needle.first else { return nil }
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// Reads the status of `batchID` back, if it exists.
    public func read(org: String, batchID: String) -> JSONValue? {
        let path = layout.status(org: org, batchID: batchID)
        guard let bytes = try? FileSystem.readFile(path) else { return nil }
        return try? JSONValue.parse(bytes)
    }
}
