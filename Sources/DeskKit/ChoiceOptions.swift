/// What a request says about how its items' variants are chosen and reported: window overrides,
/// the exploration rate, the render cache and the decision trace.
///
/// `nil` means "the template's or the desk's setting" (see ``BanditSettings``).
public struct ChoiceOptions: Sendable, Equatable {
    /// Days of statistics to look at.
    public var lookbackDays: Int?
    /// Days between today and the end of the window.
    public var offsetDays: Int?
    /// The exploration rate of epsilon-greedy.
    public var epsilon: Double?
    /// Whether a rendered result for the same (template, variant, fields, attrs) may be reused.
    public var useCache: Bool
    /// Whether the decision is written into the result.
    public var trace: Bool

    /// Options; by default nothing is overridden, nothing cached and nothing traced.
    public init(
        lookbackDays: Int? = nil, offsetDays: Int? = nil, epsilon: Double? = nil, useCache: Bool = false,
        trace: Bool = false
    ) {
        self.lookbackDays = lookbackDays
        self.offsetDays = offsetDays
        self.epsilon = epsilon
        self.useCache = useCache
        self.trace = trace
    }

    /// `settings` with this request's overrides applied.
    public func applied(to settings: BanditSettings) -> BanditSettings {
        var s = settings
        if let lookbackDays { s.lookbackDays = lookbackDays }
        if let offsetDays { s.offsetDays = offsetDays }
        if let epsilon { s.epsilon = epsilon }
        return s
    }
}
