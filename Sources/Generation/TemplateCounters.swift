import DeskKit

/// The event counters of one template of one org: per variant, per day, and the digests of the
/// events files already applied to them.
///
/// Stored as `state/<org>/bandit/counters/<template_id>.json`, rewritten atomically whenever an
/// events file touches the template:
/// ```json
/// {"template_id": "welcome-email", "applied": ["<sha256 of an events file>", …],
///  "variants": {"warm": {"2026-11-20": [1200, 80, 31]}}}
/// ```
/// Each day holds `[impressions, clicks, conversions]`. The digest of an events file is written
/// in the same file as the counts it added, so a file replayed after a crash is recognised and
/// never counted twice (exactly once). The newest ``maxApplied`` digests are kept.
public struct TemplateCounters: Sendable, Equatable {
    /// The template.
    public var templateID: String
    /// Tells this in-memory version of the counters from others (a new one each time the store
    /// installs counters), so readers can cache what they derive from it. Not stored.
    public internal(set) var stamp: UInt64 = 0
    /// Each variant's daily counters.
    public var variants: [String: DailyCounters] = [:]
    /// Digests of the applied events files, oldest first.
    public var applied: [String] = []

    /// How many applied digests are remembered.
    public static let maxApplied = 4096

    /// Empty counters of `templateID`.
    public init(templateID: String) {
        self.templateID = templateID
    }

    /// Equal counts and applied digests (the in-memory ``stamp`` aside).
    public static func == (a: TemplateCounters, b: TemplateCounters) -> Bool {
        a.templateID == b.templateID && a.variants == b.variants && a.applied == b.applied
    }

    /// Whether the events file with `digest` was already applied. O(applied).
    public func hasApplied(_ digest: String) -> Bool { applied.contains(digest) }

    /// Records `digest` as applied, forgetting the oldest beyond ``maxApplied``.
    public mutating func markApplied(_ digest: String) {
        applied.append(digest)
        if applied.count > Self.maxApplied { applied.removeFirst(applied.count - Self.maxApplied) }
    }

    /// The file's document. O(variants × days).
    public var json: JSONValue {
        var o = JSONObject()
        o["template_id"] = .string(templateID)
        o["applied"] = .array(applied.map(JSONValue.string))
        var vs = JSONObject()
        for id in variants.keys.sorted() {
            var days = JSONObject()
            for (day, counts) in variants[id]!.days.sorted(by: { $0.key < $1.key }) {
                days[DayIndex.date(day)] = counts.json
            }
            vs[id] = .object(days)
        }
        o["variants"] = .object(vs)
        return .object(o)
    }

    /// Reads a counters file's document; `nil` when it is not one.
    public init?(json: JSONValue) {
        guard let id = json["template_id"]?.stringValue, let vs = json["variants"]?.objectValue else { return nil }
        templateID = id
        applied = (json["applied"]?.arrayValue ?? []).compactMap(\.stringValue)
        for (variant, daysValue) in vs.members {
            guard let days = daysValue.objectValue else { return nil }
            var map: [Int: EventCounts] = [:]
            for (date, value) in days.members {
                guard let day = DayIndex.parse(date), let counts = EventCounts(json: value) else { return nil }
                map[day] = counts
            }
            variants[variant] = DailyCounters(days: map)
        }
    }
}
