/// A number as Liquid's arithmetic sees it: an integer or a float.
enum Number {
    case int(Int)
    case double(Double)

    /// Ruby Liquid's `to_number`: numbers as they are; strings that look like `-1.5` as floats,
    /// other strings by their leading integer (`"12abc"` is 12, `"abc"` is 0); anything else 0.
    init(_ value: Value) {
        switch value {
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = Number.parse(s)
        default: self = .int(0)
        }
    }

    /// The number as a value.
    var value: Value {
        switch self {
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        }
    }

    /// The number as a float.
    var doubleValue: Double {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        }
    }

    /// Whether the number is a float.
    var isDouble: Bool {
        if case .double = self { return true }
        return false
    }

    /// The number of a string, as Ruby Liquid reads it.
    static func parse(_ s: String) -> Number {
        let bytes = Array(s.utf8)
        var start = 0
        var end = bytes.count
        while start < end && (Bytes.isSpace(bytes[start]) || bytes[start] == 0) { start += 1 }
        while end > start && (Bytes.isSpace(bytes[end - 1]) || bytes[end - 1] == 0) { end -= 1 }
        // -?\d+\.\d+ is a float
        var i = start
        if i < end && bytes[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        while i < end && Bytes.isDigit(bytes[i]) { i += 1 }
        if i > intStart && i < end && bytes[i] == UInt8(ascii: ".") {
            var j = i + 1
            let fracStart = j
            while j < end && Bytes.isDigit(bytes[j]) { j += 1 }
            if j > fracStart && j == end, let d = Double(Bytes.string(bytes, start..<end)) {
                return .double(d)
            }
        }
        return .int(leadingInteger(bytes, from: start, to: end))
    }

    /// Ruby's `String#to_i` of `bytes[from..<to]` (already stripped): an optional sign and digits.
    static func leadingInteger(_ bytes: [UInt8], from: Int, to: Int) -> Int {
        var i = from
        var negative = false
        if i < to && (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var result = 0
        while i < to {
            let b = bytes[i]
            if Bytes.isDigit(b) {
                let (m, o1) = result.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(b - 0x30))
                if o1 || o2 { return negative ? Int.min : Int.max }
                result = a
            } else if b == UInt8(ascii: "_") && i + 1 < to && Bytes.isDigit(bytes[i + 1]) && i > from {
                // Ruby allows 1_000
            } else {
                break
            }
            i += 1
        }
        return negative ? -result : result
    }

    /// Ruby Liquid's `to_integer`: integers as they are, strings that are whole integers;
    /// anything else (floats, nil, words) is an "invalid integer" error.
    static func integer(_ value: Value, _ what: String) throws(LiquidError) -> Int {
        switch value {
        case .int(let i): return i
        case .string(let s):
            let trimmed = s.trimmingSpaces
            if let i = Int(trimmed) { return i }
            if trimmed.hasPrefix("+"), let i = Int(trimmed.dropFirst()) { return i }
        default: break
        }
        throw LiquidError(.argument, "\(what) must be an integer, not \(value.debugDescription)")
    }

    /// A forgiving integer: floats truncated, strings by their leading integer, anything else 0.
    static func lenientInteger(_ value: Value) -> Int {
        switch value {
        case .int(let i): return i
        case .double(let d): return d.isFinite ? Int(max(min(d, 9.0e18), -9.0e18)) : 0
        case .string(let s):
            switch parse(s) {
            case .int(let i): return i
            case .double(let d): return Int(max(min(d, 9.0e18), -9.0e18))
            }
        default: return 0
        }
    }
}

extension Value {
    /// The value as a template author would write it, for error messages.
    var debugDescription: String {
        switch self {
        case .nil: return "nil"
        case .string(let s): return "'\(s)'"
        case .array: return "an array"
        case .object: return "an object"
        default: return liquidString
        }
    }
}

extension String {
    /// The string without leading and trailing ASCII white space.
    var trimmingSpaces: String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end && Bytes.isSpace(bytes[start]) { start += 1 }
        while end > start && Bytes.isSpace(bytes[end - 1]) { end -= 1 }
        if start == 0 && end == bytes.count { return self }
        return Bytes.string(bytes, start..<end)
    }
}

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
