/// When a batch's items are due: all at once, spread evenly over a window, or at a fixed rate.
///
/// The strategies' arithmetic (``dueTimes(count:now:)``) and parsing live in the Scheduling
/// module. DESIGN.md section 5: `distribute` includes both ends of the window (10 items from 09:00 to
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

    /// The end of a `distribute` window.
    public var end: Timestamp? {
        if case .distribute(_, let end) = self { return end }
        return nil
    }

    /// The rate of a `burst`, in items per hour.
    public var perHour: Double? {
        if case .burst(_, let rate) = self { return rate }
        return nil
    }

    /// The schedule as a native request spells it: `{strategy, start?, end?, per_hour?}`.
    public var json: JSONValue {
        var o = JSONObject()
        o["strategy"] = .string(strategyName)
        if let start { o["start"] = .string(start.iso8601) }
        if let end { o["end"] = .string(end.iso8601) }
        if let perHour { o["per_hour"] = .double(perHour) }
        return .object(o)
    }
}
