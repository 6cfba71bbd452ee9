/// Epsilon-greedy: with probability `epsilon` a random variant (by weight), otherwise the one with
/// the best conversion rate in the window (the first in file order on a tie). O(arms).
public struct EpsilonGreedy: BanditAlgorithm {
    /// The exploration rate, in [0, 1].
    public var epsilon: Double

    /// The algorithm with exploration rate `epsilon`.
    public init(epsilon: Double) { self.epsilon = epsilon }

    public var name: String { "epsilon_greedy" }

    /// The arm with the best conversion rate (the first on a tie).
    public static func best(_ arms: [ArmStatistics]) -> Int {
        var best = 0
        for i in arms.indices.dropFirst() where arms[i].counts.conversionRate > arms[best].counts.conversionRate {
            best = i
        }
        return best
    }

    public func choose(_ arms: [ArmStatistics], using generator: inout Xoshiro256) -> BanditDecision {
        if epsilon > 0 && BetaSampler.uniform(using: &generator) < epsilon {
            return BanditDecision(index: WeightedChoice.pick(arms, using: &generator), explored: true)
        }
        return BanditDecision(index: Self.best(arms), explored: false)
    }

    public func probability(of index: Int, among arms: [ArmStatistics]) -> Double {
        let explore = epsilon * WeightedChoice.probabilities(arms)[index]
        return index == Self.best(arms) ? (1 - epsilon) + explore : explore
    }
}
