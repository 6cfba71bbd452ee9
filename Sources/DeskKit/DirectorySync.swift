#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// Group commit for folder `fsync(2)`s: callers that need the same folder flushed at the same
/// time share one call.
///
/// A caller needs a flush that *starts after* it asked (its rename must be covered). If none is
/// running, it runs one; if one is running, it started too early, so the caller waits for it to
/// end and then joins the next, which one of the waiters runs for all of them. Under a burst with
/// eight workers this turns most folder flushes into waits, and alone it costs one `fsync` as
/// before. Blocking: call it from a thread that may block, never from the cooperative pool.
public final class DirectorySync: Sendable {
    private struct Folder {
        var started: UInt64 = 0
        var finished: UInt64 = 0
        var running = false
        var failures: [UInt64: Errno] = [:]
    }

    private let condition = NSCondition()
    private nonisolated(unsafe) var folders: [String: Folder] = [:]
    private let calls = Atomic<Int>(0)

    /// The one instance of the process: coalescing only helps when every writer shares it.
    public static let shared = DirectorySync()

    public init() {}

    /// The number of `fsync(2)` calls made so far (for the metrics and the tests).
    public var fsyncCount: Int { calls.load(ordering: .relaxed) }

    /// Flushes `path`'s entries to stable storage with a flush that began after this call.
    ///
    /// O(1) bookkeeping plus at most one `open` + `fsync(2)` + `close` made by this caller.
    public func sync(_ path: String) throws(Errno) {
        condition.lock()
        // The next flush to start is the first that covers us (one already running began before
        // our rename).
        let needed = (folders[path]?.started ?? 0) + 1
        var folder: Folder
        while true {
            folder = folders[path] ?? Folder()
            if folder.finished >= needed {
                let failure = folder.failures[needed]
                condition.unlock()
                if let failure { throw failure }
                return
            }
            if !folder.running && folder.started < needed {
                folder.running = true
                folder.started += 1
                let generation = folder.started
                folders[path] = folder
                condition.unlock()
                var failure: Errno?
                do throws(Errno) {
                    calls.add(1, ordering: .relaxed)
                    try FileSystem.syncDirectoryNow(path)
                } catch {
                    failure = error
                }
                condition.lock()
                var done = folders[path] ?? Folder()
                done.running = false
                done.finished = generation
                done.failures = [:]
                if let failure { done.failures[generation] = failure }
                folders[path] = done
                condition.broadcast()
                condition.unlock()
                if let failure { throw failure }
                return
            }
            condition.wait()
        }
    }
}
