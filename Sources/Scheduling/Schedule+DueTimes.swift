import DeskKit

extension Schedule {
    /// The due instant of each of `count` items, in item order, given that it is `now`.
    ///
    /// A start in the past means now: a `burst` starts now, a `distribute` window starts now and
    /// keeps its end (all items are due now when the end has passed too). A burst so slow that
    /// an item would fall after 2262 is due at the last instant a ``Timestamp`` holds. O(count).
    public func dueTimes(count: Int, now: Timestamp) -> [Timestamp] {
        guard count > 0 else { return [] }
        switch self {
        case .immediate:
            return Array(repeating: now, count: count)
        case .distribute(let requestedStart, let end):
            let start = max(requestedStart, now)
            guard end > start, count > 1 else { return Array(repeating: start, count: count) }
            let span = UInt64(end.nanoseconds - start.nanoseconds)
            let steps = UInt64(count - 1)
            return (0..<count).map { index in
                // span * index / steps without overflow (a year is 3e16 ns, times a million items).
                let product = span.multipliedFullWidth(by: UInt64(index))
                let offset = steps.dividingFullWidth((high: product.high, low: product.low)).quotient
                return Timestamp(nanoseconds: start.nanoseconds + Int64(offset))
            }
        case .burst(let requestedStart, let perHour):
            let start = max(requestedStart, now)
            let spacing = 3600e9 / perHour
            // A tiny rate (1e-300 an hour) puts later items past the last instant a Timestamp
            // holds (2262): they are due then, rather than overflowing.
            // (Compared in Double, a second short of the end, so rounding never overflows.)
            let room = Double(Int64.max) - Double(start.nanoseconds) - 1e9
            return (0..<count).map { index in
                guard index > 0 else { return start }
                let offset = (Double(index) * spacing).rounded()
                guard offset < room else { return Timestamp(nanoseconds: Int64.max) }
                return Timestamp(nanoseconds: start.nanoseconds + Int64(offset))
            }
        }
    }

    /// Warnings for the result: a start in the past, a window already over.
    public func warnings(now: Timestamp) -> [String] {
        switch self {
        case .immediate:
            return []
        case .distribute(let start, let end):
            if end <= now {
                return [
                    "the schedule's window ended at \(end.iso8601), before the batch arrived: every item is due now"
                ]
            }
            return start < now ? ["the schedule's start \(start.iso8601) is in the past: the window starts now"] : []
        case .burst(let start, _):
            return start < now ? ["the schedule's start \(start.iso8601) is in the past: publishing starts now"] : []
        }
    }
}
