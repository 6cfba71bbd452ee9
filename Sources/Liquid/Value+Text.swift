/// How values read as text, following Ruby's `to_s` (what `{{ value }}` outputs).
extension Value {
    /// The value as output text: nil is empty, arrays are their items run together.
    var liquidString: String {
        switch self {
        case .string(let s): return s
        case .nil: return ""
        default:
            var text = ""
            write(into: &text)
            return text
        }
    }

    /// Appends the value as output text to `output`.
    func write(into output: inout String) {
        switch self {
        case .nil: break
        case .bool(let b): output.append(b ? "true" : "false")
        case .int(let i): output.append(String(i))
        case .double(let d): output.append(Value.formatDouble(d))
        case .string(let s): output.append(s)
        case .array(let a): for item in a { item.write(into: &output) }
        case .object: inspect(into: &output)
        }
    }

    /// Appends Ruby's `inspect` of the value (how objects and nested arrays read).
    func inspect(into output: inout String) {
        switch self {
        case .nil: output.append("nil")
        case .string(let s):
            output.append("\"")
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": output.append("\\\"")
                case "\\": output.append("\\\\")
                case "\n": output.append("\\n")
                case "\t": output.append("\\t")
                case "\r": output.append("\\r")
                default: output.unicodeScalars.append(scalar)
                }
            }
            output.append("\"")
        case .array(let a):
            output.append("[")
            for (i, item) in a.enumerated() {
                if i > 0 { output.append(", ") }
                item.inspect(into: &output)
            }
            output.append("]")
        case .object(let o):
            output.append("{")
            for (i, pair) in o.pairs.enumerated() {
                if i > 0 { output.append(", ") }
                Value.string(pair.key).inspect(into: &output)
                output.append("=>")
                pair.value.inspect(into: &output)
            }
            output.append("}")
        default: write(into: &output)
        }
    }

    /// A float as Ruby writes it: `1.0`, `2.5`, `1.0e+20`, `1.0e-05`.
    static func formatDouble(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        if d == d.rounded(), abs(d) < 1e16 { return String(Int(d)) + ".0" }
        guard let (negative, digits, point) = shortestDigits(d) else { return d.description }
        var text = negative ? "-" : ""
        if point > -4 && point <= 16 {
            if point <= 0 {
                text += "0." + String(repeating: "0", count: -point) + digits
            } else if digits.count <= point {
                text += digits + String(repeating: "0", count: point - digits.count) + ".0"
            } else {
                let split = digits.index(digits.startIndex, offsetBy: point)
                text += digits[..<split] + "." + digits[split...]
            }
        } else {
            let first = digits.prefix(1)
            let rest = digits.dropFirst()
            let exponent = point - 1
            let magnitude = String(abs(exponent))
            text +=
                first + "." + (rest.isEmpty ? "0" : rest) + "e" + (exponent < 0 ? "-" : "+")
                + (magnitude.count < 2 ? "0" + magnitude : magnitude)
        }
        return text
    }

    /// The shortest decimal digits of `d` and where the point goes: `d = 0.DIGITS × 10^point`.
    static func shortestDigits(_ d: Double) -> (negative: Bool, digits: String, point: Int)? {
        var text = Substring(d.description)
        var negative = false
        if text.hasPrefix("-") {
            negative = true
            text = text.dropFirst()
        }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let value = Int(text[text.index(after: e)...]) else { return nil }
            exponent = value
            text = text[..<e]
        }
        var digits = ""
        var point = 0
        var seenPoint = false
        for ch in text {
            if ch == "." {
                seenPoint = true
            } else if let _ = ch.wholeNumberValue {
                digits.append(ch)
                if !seenPoint { point += 1 }
            } else {
                return nil
            }
        }
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            point -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (negative, digits, point + exponent)
    }
}
