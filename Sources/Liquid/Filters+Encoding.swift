/// Escaping and encoding filters: HTML, URLs, Base64, and LiquidJS's `json`.
extension Filters {
    /// The escaping and encoding filters.
    static let encodingFilters: [Filter] = [
        Filter("escape") { input, _ in
            if case .nil = input { return .nil }
            return .string(escapeHTML(input.liquidString, once: false))
        },
        Filter("h") { input, _ in
            if case .nil = input { return .nil }
            return .string(escapeHTML(input.liquidString, once: false))
        },
        Filter("escape_once") { input, _ in .string(escapeHTML(input.liquidString, once: true)) },
        Filter("url_encode") { input, _ in
            if case .nil = input { return .nil }
            return .string(urlEncode(input.liquidString))
        },
        Filter("url_decode") { input, _ in
            if case .nil = input { return .nil }
            return .string(urlDecode(input.liquidString))
        },
        Filter("base64_encode") { input, _ in .string(base64Encode(Array(input.liquidString.utf8), urlSafe: false)) },
        Filter("base64_url_safe_encode") { input, _ in
            .string(base64Encode(Array(input.liquidString.utf8), urlSafe: true))
        },
        Filter("base64_decode") { input, _ throws(LiquidError) in
            try .string(base64Decode(input.liquidString, urlSafe: false))
        },
        Filter("base64_url_safe_decode") { input, _ throws(LiquidError) in
            try .string(base64Decode(input.liquidString, urlSafe: true))
        },
        Filter("json", arguments: 0...1) { input, args in
            var text = ""
            let indent = args.count > 0 ? Number.lenientInteger(args[0]) : 0
            writeJSON(input, into: &text, indent: max(0, min(indent, 16)), level: 0)
            return .string(text)
        },
    ]

    /// `s` with `& < > " '` as HTML entities; `once` leaves existing entities alone.
    static func escapeHTML(_ s: String, once: Bool) -> String {
        let bytes = Array(s.utf8)
        guard bytes.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
            return s
        }
        var result = ""
        result.reserveCapacity(bytes.count + 16)
        var start = 0
        for i in 0..<bytes.count {
            let entity: String
            switch bytes[i] {
            case UInt8(ascii: "&"):
                if once && isEntity(bytes, at: i) { continue }
                entity = "&amp;"
            case UInt8(ascii: "<"): entity = "&lt;"
            case UInt8(ascii: ">"): entity = "&gt;"
            case UInt8(ascii: "\""): entity = "&quot;"
            case UInt8(ascii: "'"): entity = "&#39;"
            default: continue
            }
            result += Bytes.string(bytes, start..<i)
            result += entity
            start = i + 1
        }
        result += Bytes.string(bytes, start..<bytes.count)
        return result
    }

    /// Whether an entity (`&name;` or `&#123;`) starts at `i`.
    private static func isEntity(_ bytes: [UInt8], at i: Int) -> Bool {
        var j = i + 1
        if j < bytes.count && bytes[j] == UInt8(ascii: "#") {
            j += 1
            let start = j
            while j < bytes.count && Bytes.isDigit(bytes[j]) { j += 1 }
            return j > start && j < bytes.count && bytes[j] == UInt8(ascii: ";")
        }
        let start = j
        while j < bytes.count && ((bytes[j] | 0x20) >= 0x61 && (bytes[j] | 0x20) <= 0x7A) { j += 1 }
        return j > start && j < bytes.count && bytes[j] == UInt8(ascii: ";")
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// `s` encoded for a URL query, as Ruby's `CGI.escape` does (spaces become `+`).
    static func urlEncode(_ s: String) -> String {
        var result: [UInt8] = []
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"),
                UInt8(ascii: "~"):
                result.append(b)
            case UInt8(ascii: " "): result.append(UInt8(ascii: "+"))
            default:
                result.append(UInt8(ascii: "%"))
                result.append(hexDigits[Int(b >> 4)])
                result.append(hexDigits[Int(b & 0xF)])
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `s` decoded from a URL query (`+` is a space, `%XX` a byte).
    static func urlDecode(_ s: String) -> String {
        let bytes = Array(s.utf8)
        var result: [UInt8] = []
        var i = 0
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - 0x30
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - 0x61 + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - 0x41 + 10
            default: return nil
            }
        }
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "+") {
                result.append(0x20)
            } else if b == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2])
            {
                result.append(h << 4 | l)
                i += 2
            } else {
                result.append(b)
            }
            i += 1
        }
        return String(decoding: result, as: UTF8.self)
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let base64URLAlphabet = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// `bytes` in Base64, with padding; `urlSafe` uses `-` and `_`.
    static func base64Encode(_ bytes: [UInt8], urlSafe: Bool) -> String {
        let alphabet = urlSafe ? base64URLAlphabet : base64Alphabet
        var result: [UInt8] = []
        result.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i]
            let b1: UInt8 = i + 1 < bytes.count ? bytes[i + 1] : 0
            let b2: UInt8 = i + 2 < bytes.count ? bytes[i + 2] : 0
            result.append(alphabet[Int(b0 >> 2)])
            result.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            result.append(i + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            result.append(i + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// The text Base64 `s` encodes; padding is optional; invalid input is an error.
    static func base64Decode(_ s: String, urlSafe: Bool) throws(LiquidError) -> String {
        var values: [UInt8] = []
        var padding = 0
        for b in s.utf8 {
            let v: UInt8
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = b - 0x41
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = b - 0x61 + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = b - 0x30 + 52
            case UInt8(ascii: "+") where !urlSafe: v = 62
            case UInt8(ascii: "-") where urlSafe: v = 62
            case UInt8(ascii: "/") where !urlSafe: v = 63
            case UInt8(ascii: "_") where urlSafe: v = 63
            case UInt8(ascii: "="):
                padding += 1
                continue
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
            default: throw LiquidError(.argument, "invalid base64: \(Value.string(s).debugDescription)")
            }
            guard padding == 0 else {
                throw LiquidError(.argument, "invalid base64: \(Value.string(s).debugDescription)")
            }
            values.append(v)
        }
        guard values.count % 4 != 1, padding <= 2 else {
            throw LiquidError(.argument, "invalid base64: \(Value.string(s).debugDescription)")
        }
        var bytes: [UInt8] = []
        var i = 0
        while i < values.count {
            let c0 = values[i]
            let c1 = i + 1 < values.count ? values[i + 1] : 0
            let c2 = i + 2 < values.count ? values[i + 2] : 0
            let c3 = i + 3 < values.count ? values[i + 3] : 0
            bytes.append(c0 << 2 | c1 >> 4)
            if i + 2 < values.count { bytes.append((c1 & 0x0F) << 4 | c2 >> 2) }
            if i + 3 < values.count { bytes.append((c2 & 0x03) << 6 | c3) }
            i += 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `value` as JSON; `indent` spaces per level, or compact when 0.
    static func writeJSON(_ value: Value, into text: inout String, indent: Int, level: Int) {
        func newline(_ level: Int) {
            guard indent > 0 else { return }
            text += "\n" + String(repeating: " ", count: indent * level)
        }
        switch value {
        case .nil: text += "null"
        case .bool(let b): text += b ? "true" : "false"
        case .int(let i): text += String(i)
        case .double(let d): text += d.isFinite ? Value.formatDouble(d).replacingRubyExponent : "null"
        case .string(let s): writeJSONString(s, into: &text)
        case .array(let a):
            text += "["
            for (i, item) in a.enumerated() {
                if i > 0 { text += "," }
                newline(level + 1)
                writeJSON(item, into: &text, indent: indent, level: level + 1)
            }
            if !a.isEmpty { newline(level) }
            text += "]"
        case .object(let o):
            text += "{"
            for (i, pair) in o.pairs.enumerated() {
                if i > 0 { text += "," }
                newline(level + 1)
                writeJSONString(pair.key, into: &text)
                text += indent > 0 ? ": " : ":"
                writeJSON(pair.value, into: &text, indent: indent, level: level + 1)
            }
            if !o.isEmpty { newline(level) }
            text += "}"
        }
    }

    private static func writeJSONString(_ s: String, into text: inout String) {
        text += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        text += "\""
    }
}

/// JSON helpers.
extension String {
    /// A Ruby float text with its exponent in JSON form (`1.0e+20` → `1.0e20`).
    fileprivate var replacingRubyExponent: String {
        guard let e = firstIndex(of: "e") else { return self }
        var exponent = self[index(after: e)...]
        if exponent.hasPrefix("+") { exponent = exponent.dropFirst() }
        return self[..<e] + "e" + exponent
    }
}
