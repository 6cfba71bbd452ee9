import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Group commit for folder `fsync(2)`s: callers that need folders flushed at the same time share
/// one round of flushes.
///
/// A caller needs its folders flushed by a round that *starts after* it asked (its renames must
/// be covered). It adds its folders to the pending set; the next round to start takes the whole
/// set. If no round is running, the caller runs the next one itself; if one is running, it began
/// too early, so the caller waits for it to end and then for the next, which one of the waiters
/// runs for all of them. A round flushes each folder of the set once, however many callers asked
/// for it, so under a burst with eight workers, finishing files in three folders each, most of
/// their folder flushes become waits; alone, a caller costs one `fsync` per folder, as before.
/// Folders handed to ``syncLater(_:)`` ride along with the next round without anyone waiting.
/// Blocking: call it from a thread that may block, never from the cooperative pool.
public final class DirectorySync: Sendable {
    private struct State {
        var started: UInt64 = 0
        var finished: UInt64 = 0
        var running = false
        var pending: Set<String> = []
        /// The last round that flushed each folder without error: a caller is covered when
        /// every one of its folders was flushed by the round it needed or a later one.
        var flushed: [String: UInt64] = [:]
        /// The last error of each folder whose last flush failed.
        var errors: [String: Errno] = [:]
    }

    private let condition = NSCondition()
    private nonisolated(unsafe) var state = State()
    private let calls = Atomic<Int>(0)

    /// The one instance of the process: coalescing only helps when every writer shares it.
    public static let shared = DirectorySync()

    public init() {}

    /// The number of `fsync(2)` calls made so far (for the metrics and the tests).
    public var fsyncCount: Int { calls.load(ordering: .relaxed) }

    /// Flushes `path`'s entries to stable storage with a flush that began after this call.
    public func sync(_ path: String) throws(Errno) {
        try sync([path])
    }

    /// Flushes the entries of every folder in `paths` to stable storage, each with a flush that
    /// began after this call; throws the first failure among them.
    ///
    /// O(k) bookkeeping for k folders, plus, for the caller that runs the round, one `open` +
    /// `fsync(2)` + `close` per distinct folder pending.
    public func sync(_ paths: some Collection<String>) throws(Errno) {
        condition.lock()
        state.pending.formUnion(paths)
        // The next round to start takes the pending set, ours included; one already running
        // began before our renames.
        let needed = state.started + 1
        while true {
            if state.finished >= needed {
                let failure = paths.lazy.filter { (self.state.flushed[$0] ?? 0) < needed }.first
                    .map { self.state.errors[$0] ?? Errno(EIO, "fsync(\"\($0)\")") }
                condition.unlock()
                if let failure { throw failure }
                return
            }
            if !state.running && state.started < needed {
                runRound()
                continue
            }
            condition.wait()
        }
    }

    /// Has `path` flushed by the next round, without waiting for it.
    ///
    /// For renames whose loss in a crash is repaired by recovery anyway (a request moved into
    /// `archive/` after its result is durable comes back to its claim and is only archived
    /// again): they become durable with the next round, or at ``flushPending()``.
    public func syncLater(_ path: String) {
        condition.lock()
        state.pending.insert(path)
        condition.unlock()
    }

    /// Flushes every folder still pending (from ``syncLater(_:)``); nothing when none is.
    public func flushPending() throws(Errno) {
        condition.lock()
        let pending = Array(state.pending)
        condition.unlock()
        if !pending.isEmpty { try sync(pending) }
    }

    /// Runs the next round: called with the lock held, returns with it held.
    private func runRound() {
        state.running = true
        state.started += 1
        let generation = state.started
        let folders = state.pending
        state.pending = []
        condition.unlock()
        var failures: [String: Errno] = [:]
        for folder in folders {
            do throws(Errno) {
                calls.add(1, ordering: .relaxed)
                try FileSystem.syncDirectoryNow(folder)
            } catch {
                failures[folder] = error
            }
        }
        condition.lock()
        state.running = false
        state.finished = generation
        for folder in folders {
            if let error = failures[folder] {
                state.errors[folder] = error
                // Tried again with the next round (someone may be relying on it through
                // syncLater), unless the folder is gone: then there is nothing to flush.
                if error.code != ENOENT { state.pending.insert(folder) }
            } else {
                state.flushed[folder] = generation
                state.errors[folder] = nil
            }
        }
        condition.broadcast()
    }
}
