/// How a template's variants are chosen when no `copy_id` forces one: the algorithm, its
/// exploration rate, the traffic a variant needs before it can be exploited, and the window of
/// event statistics it learns from.
///
/// Defaults are built in, `copydesk.json`'s `"bandit"` section overrides them, a template's own
/// `"bandit"` object overrides those, and a request's `epsilon`, `lookback_days` and `offset_days`
/// override the rest for its items.
public struct BanditSettings: Sendable, Equatable {
    /// The bandit algorithm.
    public enum Algorithm: String, Sendable, CaseIterable {
        /// Thompson sampling: a draw from each variant's Beta posterior of its conversion rate;
        /// the highest draw wins.
        case thompson
        /// Epsilon-greedy: with probability `epsilon` a weighted random variant, else the one
        /// with the best observed conversion rate.
        case epsilonGreedy = "epsilon_greedy"
    }

    /// The algorithm (default Thompson sampling).
    public var algorithm: Algorithm = .thompson
    /// The exploration rate of epsilon-greedy, in [0, 1] (default 0.1).
    public var epsilon: Double = 0.1
    /// Impressions every eligible variant needs in the window before the bandit exploits; until
    /// then traffic is split by weight (default 100).
    public var minImpressions: Int = 100
    /// Days of statistics the bandit looks at (default 14).
    public var lookbackDays: Int = 14
    /// Days between today and the end of the window, so fresh, incomplete days are left out
    /// (default 3).
    public var offsetDays: Int = 3

    /// The built-in defaults.
    public init() {}

    /// The keys a `"bandit"` object may have.
    public static let keys = ["algorithm", "epsilon", "min_impressions", "lookback_days", "offset_days"]

    /// These settings with the members of a `"bandit"` JSON object laid over them.
    ///
    /// Throws `code` (the caller's: `INVALID_REQUEST` for `copydesk.json`, `INVALID_TEMPLATE` for
    /// a template) naming the bad key as `path.key`.
    public func overlaid(with json: JSONValue, path: String, code: DeskError.Code) throws(DeskError) -> BanditSettings {
        func bad(_ key: String, _ expected: String) -> DeskError {
            DeskError(code, "\(path).\(key) must be \(expected)", field: "\(path).\(key)")
        }
        guard case .object(let object) = json else {
            throw DeskError(code, "\(path) must be an object, not \(json.typeName)", field: path)
        }
        var settings = self
        for (key, value) in object.members {
            switch key {
            case "algorithm":
                guard let name = value.stringValue, let algorithm = Algorithm(rawValue: name) else {
                    throw bad(key, "\"thompson\" or \"epsilon_greedy\"")
                }
                settings.algorithm = algorithm
            case "epsilon":
                guard let e = value.doubleValue, e >= 0, e <= 1 else { throw bad(key, "a number from 0 to 1") }
                settings.epsilon = e
            case "min_impressions":
                guard let n = value.intValue, n >= 0 else { throw bad(key, "an integer ≥ 0") }
                settings.minImpressions = n
            case "lookback_days":
                guard let n = value.intValue, n >= 0, n <= Self.maxDays else {
                    throw bad(key, "an integer from 0 to \(Self.maxDays)")
                }
                settings.lookbackDays = n
            case "offset_days":
                guard let n = value.intValue, n >= 0, n <= Self.maxDays else {
                    throw bad(key, "an integer from 0 to \(Self.maxDays)")
                }
                settings.offsetDays = n
            default:
                throw DeskError(
                    code, "\(path): unknown key '\(key)'; known: \(Self.keys.joined(separator: ", "))",
                    field: "\(path).\(key)")
            }
        }
        return settings
    }

    /// The largest `lookback_days` or `offset_days` accepted: ten years.
    public static let maxDays = 3650
}
