import DeskKit

/// When a batch's items are due: all at once, spread evenly over a window, or at a fixed rate.
///
/// DESIGN.md section 5: `distribute` includes both ends of the window (10 items from 09:00 to
/// 14:00 are due at 09:00, 09:33:20, 10:06:40, …, 14:00); `burst` starts at `start` and spaces
/// items `3600 / perHour` seconds apart.
public enum Schedule: Sendable, Equatable {
    /// Every item is due at once (when the batch is admitted).
    case immediate
    /// Items spread evenly over `[start, end]`, both ends included.
    case distribute(start: Timestamp, end: Timestamp)
    /// Items due `3600 / perHour` seconds apart from `start`.
    case burst(start: Timestamp, perHour: Double)

    /// The strategy's name as requests spell it.
    public var strategyName: String {
        switch self {
        case .immediate: return "immediate"
        case .distribute: return "distribute"
        case .burst: return "burst"
        }
    }

    /// The start the request gave, if the strategy has one.
    public var start: Timestamp? {
        switch self {
        case .immediate: return nil
        case .distribute(let start, _), .burst(let start, _): return start
        }
    }

    /// The due instant of each of `count` items, in item order, given that it is `now`.
    ///
    /// A start in the past means now: a `burst` starts now, a `distribute` window starts now and
    /// keeps its end (all items are due now when the end has passed too). O(count).
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
            return (0..<count).map { index in
                Timestamp(nanoseconds: start.nanoseconds + Int64((Double(index) * spacing).rounded()))
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
                return ["the schedule's window ended at \(end.iso8601), before the batch arrived: every item is due now"]
            }
            return start < now ? ["the schedule's start \(start.iso8601) is in the past: the window starts now"] : []
        case .burst(let start, _):
            return start < now ? ["the schedule's start \(start.iso8601) is in the past: publishing starts now"] : []
        }
    }
}
