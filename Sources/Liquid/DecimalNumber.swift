/// An exact decimal, `mantissa × 10^exponent`, for float arithmetic that matches Ruby's BigDecimal
/// (`10.1 | plus: 2.2` is `12.3`, not `12.299999999999999`).
struct DecimalNumber {
    var mantissa: Int
    var exponent: Int

    /// The decimal of the shortest text of `d`; nil for infinities and NaN.
    init?(_ d: Double) {
        guard d.isFinite else { return nil }
        if d == 0 {
            mantissa = 0
            exponent = 0
            return
        }
        guard let (negative, digits, point) = Value.shortestDigits(d), digits.count <= 18, let m = Int(digits) else {
            return nil
        }
        mantissa = negative ? -m : m
        exponent = point - digits.count
    }

    /// The decimal of an integer.
    init(_ i: Int) {
        mantissa = i
        exponent = 0
    }

    init(mantissa: Int, exponent: Int) {
        self.mantissa = mantissa
        self.exponent = exponent
    }

    /// The nearest float.
    var doubleValue: Double {
        Double("\(mantissa)e\(exponent)") ?? Double(mantissa)
    }

    /// Both decimals with the same exponent, or nil on overflow.
    static func aligned(_ a: DecimalNumber, _ b: DecimalNumber) -> (Int, Int, Int)? {
        if a.exponent == b.exponent { return (a.mantissa, b.mantissa, a.exponent) }
        if a.exponent > b.exponent {
            guard let m = scale(a.mantissa, by: a.exponent - b.exponent) else { return nil }
            return (m, b.mantissa, b.exponent)
        }
        guard let m = scale(b.mantissa, by: b.exponent - a.exponent) else { return nil }
        return (a.mantissa, m, a.exponent)
    }

    private static func scale(_ m: Int, by digits: Int) -> Int? {
        guard digits <= 18 else { return m == 0 ? 0 : nil }
        var result = m
        for _ in 0..<digits {
            let (r, o) = result.multipliedReportingOverflow(by: 10)
            if o { return nil }
            result = r
        }
        return result
    }

    /// `a + b`, or nil on overflow.
    static func add(_ a: DecimalNumber, _ b: DecimalNumber) -> DecimalNumber? {
        guard let (x, y, e) = aligned(a, b) else { return nil }
        let (m, o) = x.addingReportingOverflow(y)
        return o ? nil : DecimalNumber(mantissa: m, exponent: e)
    }

    /// `a - b`, or nil on overflow.
    static func subtract(_ a: DecimalNumber, _ b: DecimalNumber) -> DecimalNumber? {
        guard let (x, y, e) = aligned(a, b) else { return nil }
        let (m, o) = x.subtractingReportingOverflow(y)
        return o ? nil : DecimalNumber(mantissa: m, exponent: e)
    }

    /// `a × b`, or nil on overflow.
    static func multiply(_ a: DecimalNumber, _ b: DecimalNumber) -> DecimalNumber? {
        let (m, o) = a.mantissa.multipliedReportingOverflow(by: b.mantissa)
        return o ? nil : DecimalNumber(mantissa: m, exponent: a.exponent + b.exponent)
    }

    /// Ruby's modulo (the sign of the divisor), or nil on overflow or a zero divisor.
    static func modulo(_ a: DecimalNumber, _ b: DecimalNumber) -> DecimalNumber? {
        guard let (x, y, e) = aligned(a, b), y != 0 else { return nil }
        var r = x % y
        if r != 0 && ((r < 0) != (y < 0)) { r += y }
        return DecimalNumber(mantissa: r, exponent: e)
    }
}
