import DeskKit

/// One eligible variant as a bandit sees it: its id, its weight and its counts in the window.
public struct ArmStatistics: Sendable, Equatable {
    /// The variant's id.
    public var id: String
    /// Its relative weight for random traffic (≤ 0: none).
    public var weight: Double
    /// Its impressions, clicks and conversions in the window.
    public var counts: EventCounts

    /// Statistics of one arm.
    public init(id: String, weight: Double, counts: EventCounts) {
        self.id = id
        self.weight = weight
        self.counts = counts
    }
}

/// Which arm a bandit picked and whether it explored to do so.
public struct BanditDecision: Sendable, Equatable {
    /// The index of the chosen arm.
    public var index: Int
    /// Whether the pick was exploration (random) rather than exploitation.
    public var explored: Bool

    /// A decision.
    public init(index: Int, explored: Bool) {
        self.index = index
        self.explored = explored
    }
}

/// A way to pick among variants from their conversion statistics: epsilon-greedy or Thompson
/// sampling. Picks are O(arms); randomness comes from the injected generator only.
public protocol BanditAlgorithm: Sendable {
    /// The name written in traces (`thompson`, `epsilon_greedy`).
    var name: String { get }
    /// Picks an arm of `arms` (not empty).
    func choose(_ arms: [ArmStatistics], using generator: inout Xoshiro256) -> BanditDecision
    /// The probability that ``choose(_:using:)`` picks arm `index` (exact, or estimated).
    func probability(of index: Int, among arms: [ArmStatistics]) -> Double
}

/// A random pick in proportion to weight; arms of weight ≤ 0 are never picked unless all are,
/// in which case the pick is uniform. O(arms).
public enum WeightedChoice {
    /// The chance of each arm.
    public static func probabilities(_ arms: [ArmStatistics]) -> [Double] {
        let total = arms.reduce(0.0) { $0 + max($1.weight, 0) }
        if total <= 0 { return arms.map { _ in 1 / Double(arms.count) } }
        return arms.map { max($0.weight, 0) / total }
    }

    /// Picks an arm index.
    public static func pick(_ arms: [ArmStatistics], using generator: inout Xoshiro256) -> Int {
        let total = arms.reduce(0.0) { $0 + max($1.weight, 0) }
        if total <= 0 { return Int(generator.next() % UInt64(arms.count)) }
        var r = BetaSampler.uniform(using: &generator) * total
        for (i, arm) in arms.enumerated() where arm.weight > 0 {
            r -= arm.weight
            if r < 0 { return i }
        }
        return arms.lastIndex { $0.weight > 0 } ?? 0
    }
}
