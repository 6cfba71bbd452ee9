import Dispatch
import Foundation

/// Runs async work from a blocking thread and waits for it.
///
/// Only for threads outside the cooperative pool (the desk's ``BlockingExecutor`` workers): the
/// async work needs the pool, so blocking its threads on it deadlocks once every pool thread
/// waits (two, on a 2-core machine). Tests, which run on the pool, call the async forms.
enum BlockingWait {
    /// Runs `body` as a detached task and blocks until it returns.
    static func run<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let box = Mailbox<T>()
        Task.detached { box.put(await body()) }
        return box.takeAll()[0]
    }
}

/// A thread-safe queue that producers (tasks) put into and one blocking thread takes from.
final class Mailbox<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [T] = []

    /// Adds `item` and wakes the taker.
    func put(_ item: T) {
        condition.lock()
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    /// Waits until something is there and takes all of it, oldest first.
    func takeAll() -> [T] {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        let taken = items
        items.removeAll(keepingCapacity: true)
        return taken
    }
}
