/// Thompson sampling with Beta posteriors: each variant's conversion rate is drawn from
/// Beta(1 + conversions, 1 + impressions − conversions) and the highest draw wins, so a variant
/// gets traffic in proportion to the chance that it is the best. O(arms) per pick.
public struct ThompsonSampling: BanditAlgorithm {
    /// How many simulated picks estimate ``probability(of:among:)`` (traces only).
    public var estimateDraws: Int

    /// The algorithm.
    public init(estimateDraws: Int = 2_000) { self.estimateDraws = estimateDraws }

    public var name: String { "thompson" }

    /// The Beta parameters of an arm's posterior (uniform prior).
    @inline(__always)
    static func posterior(_ arm: ArmStatistics) -> (Double, Double) {
        let conversions = max(0, min(arm.counts.conversions, arm.counts.impressions))
        return (1 + Double(conversions), 1 + Double(max(0, arm.counts.impressions - conversions)))
    }

    public func choose(_ arms: [ArmStatistics], using generator: inout Xoshiro256) -> BanditDecision {
        var best = 0
        var bestDraw = -1.0
        for (i, arm) in arms.enumerated() {
            let (a, b) = Self.posterior(arm)
            let draw = BetaSampler.beta(a, b, using: &generator)
            if draw > bestDraw {
                bestDraw = draw
                best = i
            }
        }
        // Exploration is a pick of a variant other than the one with the best posterior mean.
        return BanditDecision(index: best, explored: best != Self.bestMean(arms))
    }

    /// The arm with the highest posterior mean.
    static func bestMean(_ arms: [ArmStatistics]) -> Int {
        var best = 0
        var bestMean = -1.0
        for (i, arm) in arms.enumerated() {
            let (a, b) = posterior(arm)
            if a / (a + b) > bestMean {
                bestMean = a / (a + b)
                best = i
            }
        }
        return best
    }

    /// Estimated by ``estimateDraws`` simulated picks with a generator of its own (fixed seed), so
    /// tracing never changes the choices themselves.
    public func probability(of index: Int, among arms: [ArmStatistics]) -> Double {
        var generator = Xoshiro256(seed: 0x7A3C_E5D1_0B9F_4E21)
        var wins = 0
        for _ in 0..<estimateDraws where choose(arms, using: &generator).index == index { wins += 1 }
        return Double(wins) / Double(estimateDraws)
    }
}
