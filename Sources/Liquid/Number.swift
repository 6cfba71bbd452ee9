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
