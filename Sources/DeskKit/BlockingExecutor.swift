import Foundation
import Synchronization

/// A fixed set of threads for blocking work (file reads, `fsync`, renames), so that such work
/// never occupies the cooperative thread pool that Swift concurrency runs tasks on.
///
/// ``run(_:)`` suspends the calling task until a worker thread has run the closure. Jobs start in
/// submission order; at most `threads` run at once.
public final class BlockingExecutor: Sendable {
    private struct Queue {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
        var stopped = false
    }
    private let condition = NSCondition()
    private let queue = Mutex(Queue())
    /// How many threads run jobs.
    public let threads: Int

    /// Starts `threads` worker threads named `name`.
    public init(threads: Int, name: String = "copydesk-io") {
        self.threads = max(1, threads)
        for i in 0..<self.threads {
            let thread = Thread { [self] in self.work() }
            thread.name = "\(name)-\(i)"
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    /// Runs `body` on a worker thread and returns its value.
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            submit { continuation.resume(returning: body()) }
        }
    }

    /// Queues `job` for a worker thread without waiting for it.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        queue.withLock { $0.jobs.append(job) }
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads finish the queued jobs and exit.
    public func shutdown() {
        condition.lock()
        queue.withLock { $0.stopped = true }
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            var job: (@Sendable () -> Void)?
            while true {
                let (next, stopped) = queue.withLock { q -> ((@Sendable () -> Void)?, Bool) in
                    guard q.head < q.jobs.count else { return (nil, q.stopped) }
                    let j = q.jobs[q.head]
                    q.head += 1
                    if q.head > 1024 && q.head * 2 > q.jobs.count {
                        q.jobs.removeFirst(q.head)
                        q.head = 0
                    }
                    return (j, false)
                }
                if let next {
                    job = next
                    break
                }
                if stopped {
                    condition.unlock()
                    return
                }
                condition.wait()
            }
            condition.unlock()
            job?()
        }
    }
}
