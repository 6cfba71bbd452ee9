import DeskKit

/// Days as integers: day 0 is 1970-01-01 (UTC), so a day's counters have a small, sortable key
/// and a window of days is a range of integers.
public enum DayIndex {
    /// The UTC day of `instant`. O(1).
    public static func of(_ instant: Timestamp) -> Int {
        let ns = instant.nanoseconds
        let perDay: Int64 = 86_400 * 1_000_000_000
        return Int(ns >= 0 ? ns / perDay : (ns - perDay + 1) / perDay)
    }

    /// `YYYY-MM-DD` of day `day`.
    public static func date(_ day: Int) -> String {
        String(Timestamp(nanoseconds: Int64(day) * 86_400 * 1_000_000_000).iso8601.prefix(10))
    }

    /// The day of a `YYYY-MM-DD` date, or `nil` when it is not one.
    public static func parse(_ date: String) -> Int? {
        guard date.utf8.count == 10, let t = Timestamp(iso8601: date + "T00:00:00Z") else { return nil }
        return of(t)
    }

    /// The days the bandit looks at on day `today`: from `today - offset - lookback` to
    /// `today - offset`, both included.
    public static func window(today: Int, lookbackDays: Int, offsetDays: Int) -> ClosedRange<Int> {
        let last = today - offsetDays
        return (last - lookbackDays)...last
    }
}
