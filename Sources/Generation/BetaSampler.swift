#if canImport(Glibc)
    import Glibc
#endif

/// Draws from the distributions Thompson sampling needs: uniform, standard normal, Gamma and
/// Beta, from any `RandomNumberGenerator`.
///
/// Beta(a, b) is X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b); Gamma by Marsaglia and Tsang's
/// squeeze method (2000), which takes about one normal draw per sample whatever the shape, so a
/// draw costs O(1) even for posteriors of millions of impressions.
public enum BetaSampler {
    /// A uniform draw in the open interval (0, 1). O(1).
    @inline(__always)
    public static func uniform<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        // 53 random bits, shifted half a step off 0 so log(u) is always finite.
        (Double(generator.next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// A standard normal draw (Marsaglia's polar method). O(1) expected.
    public static func normal<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        while true {
            let u = 2 * uniform(using: &generator) - 1
            let v = 2 * uniform(using: &generator) - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * log(s) / s).squareRoot() }
        }
    }

    /// A draw from Gamma(shape, 1), `shape > 0` (Marsaglia–Tsang). O(1) expected.
    public static func gamma<G: RandomNumberGenerator>(shape: Double, using generator: inout G) -> Double {
        precondition(shape > 0, "Gamma shape must be positive")
        if shape < 1 {
            // Gamma(a) = Gamma(a + 1) · U^(1/a).
            let g = gamma(shape: shape + 1, using: &generator)
            return g * pow(uniform(using: &generator), 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = normal(using: &generator)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniform(using: &generator)
            let xx = x * x
            if u < 1 - 0.0331 * xx * xx { return d * v }
            if log(u) < 0.5 * xx + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// A draw from Beta(a, b), `a, b > 0`. O(1) expected.
    public static func beta<G: RandomNumberGenerator>(_ a: Double, _ b: Double, using generator: inout G) -> Double {
        let x = gamma(shape: a, using: &generator)
        let y = gamma(shape: b, using: &generator)
        return x / (x + y)
    }
}
