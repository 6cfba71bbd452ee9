/// An asynchronous counting semaphore: at most `limit` holders at once, the others wait in FIFO
/// order without occupying a thread.
public actor ConcurrencyLimiter {
    private let limit: Int
    private var holders = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var head = 0

    /// A limiter letting `limit` (at least 1) callers in at once.
    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Waits for a place. O(1) amortised.
    public func acquire() async {
        if holders < limit {
            holders += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Gives a place back: to the longest waiter, if any. O(1) amortised.
    public func release() {
        if head < waiters.count {
            let next = waiters[head]
            head += 1
            if head > 64 && head * 2 > waiters.count {
                waiters.removeFirst(head)
                head = 0
            }
            next.resume()  // the place passes straight to it
        } else {
            holders -= 1
        }
    }

    /// Runs `body` holding a place.
    public func withPlace<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        await acquire()
        let value = await body()
        release()
        return value
    }
}
