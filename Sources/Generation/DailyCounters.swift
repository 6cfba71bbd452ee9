/// One variant's event counts per day, with prefix sums so the total over any window of days is
/// two array reads.
///
/// `days` is the truth (day → counts); `prefix[i]` holds the sums of days `firstDay ..< firstDay + i`
/// and is rebuilt in O(span of days) after a change, which happens once per applied events file.
/// ``total(in:)`` is O(1) whatever the number of days or events.
public struct DailyCounters: Sendable, Equatable {
    /// The counts of each day that has any.
    public private(set) var days: [Int: EventCounts] = [:]
    private var firstDay = 0
    private var prefix: [EventCounts] = [EventCounts()]

    /// No counts.
    public init() {}

    /// Counters holding `days`.
    public init(days: [Int: EventCounts]) {
        self.days = days
        rebuild()
    }

    /// Adds `counts` to day `day`; call ``rebuild()`` after a series of additions.
    public mutating func add(_ counts: EventCounts, day: Int) {
        days[day, default: EventCounts()] = days[day, default: EventCounts()] + counts
    }

    /// Recomputes the prefix sums. O(last day − first day).
    public mutating func rebuild() {
        guard let lo = days.keys.min(), let hi = days.keys.max() else {
            firstDay = 0
            prefix = [EventCounts()]
            return
        }
        firstDay = lo
        var sums = [EventCounts](repeating: EventCounts(), count: hi - lo + 2)
        var running = EventCounts()
        for d in lo...hi {
            if let c = days[d] { running = running + c }
            sums[d - lo + 1] = running
        }
        prefix = sums
    }

    /// The sums over the days of `window` (clamped to the days that have counts). O(1).
    @inline(__always)
    public func total(in window: ClosedRange<Int>) -> EventCounts {
        let n = prefix.count - 1
        let lo = max(window.lowerBound - firstDay, 0)
        let hi = min(window.upperBound - firstDay + 1, n)
        guard lo < hi else { return EventCounts() }
        return prefix[hi] - prefix[lo]
    }
}
