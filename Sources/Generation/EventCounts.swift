import DeskKit

/// Impressions, clicks and conversions: of one variant on one day, or summed over a window.
public struct EventCounts: Sendable, Equatable {
    /// Times the variant was shown.
    public var impressions: Int
    /// Times it was clicked.
    public var clicks: Int
    /// Times it led to a conversion (the bandit's reward).
    public var conversions: Int

    /// Counts; zero by default.
    public init(impressions: Int = 0, clicks: Int = 0, conversions: Int = 0) {
        self.impressions = impressions
        self.clicks = clicks
        self.conversions = conversions
    }

    /// Conversions per impression, 0 without impressions.
    public var conversionRate: Double {
        impressions > 0 ? Double(conversions) / Double(impressions) : 0
    }

    /// Adds one event of `type`.
    public mutating func add(_ type: BanditEvent.Kind, count: Int = 1) {
        switch type {
        case .impression: impressions += count
        case .click: clicks += count
        case .conversion: conversions += count
        }
    }

    public static func + (a: EventCounts, b: EventCounts) -> EventCounts {
        EventCounts(
            impressions: a.impressions + b.impressions, clicks: a.clicks + b.clicks,
            conversions: a.conversions + b.conversions)
    }

    public static func - (a: EventCounts, b: EventCounts) -> EventCounts {
        EventCounts(
            impressions: a.impressions - b.impressions, clicks: a.clicks - b.clicks,
            conversions: a.conversions - b.conversions)
    }

    /// `[impressions, clicks, conversions]`, the compact form of the counters files.
    var json: JSONValue { .array([.int(impressions), .int(clicks), .int(conversions)]) }

    /// Reads the compact form back; `nil` if it is not one.
    init?(json: JSONValue) {
        guard let a = json.arrayValue, a.count == 3, let i = a[0].intValue, let c = a[1].intValue,
            let v = a[2].intValue, i >= 0, c >= 0, v >= 0
        else { return nil }
        self.init(impressions: i, clicks: c, conversions: v)
    }
}
