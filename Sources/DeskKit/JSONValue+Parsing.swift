extension JSONValue {
    /// The default limit on nesting: deeper documents are rejected, never overflow the stack.
    public static let defaultMaxDepth = 512

    /// Parses a JSON text (RFC 8259, strict: no comments, no trailing commas, no NaN).
    ///
    /// A leading UTF-8 byte-order mark is skipped. Strings must be valid UTF-8. Integers that fit
    /// in `Int` become ``int(_:)``; other numbers become ``double(_:)``. Nesting deeper than
    /// `maxDepth` is an error, so hostile input cannot exhaust the stack. O(n) in the input size.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(buffer, maxDepth: maxDepth)
            do throws(JSONParseError) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Parses a JSON text given as a string; see ``parse(_:maxDepth:)-([UInt8],_)``.
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    /// Parses JSON Lines: one document per line, blank lines skipped.
    ///
    /// Each entry carries its 1-based line number and either the value or the error, whose
    /// `line` is the line in the whole file. A final line without a newline is parsed like the
    /// others (the caller decides whether a torn last line matters). O(n) in the input size.
    public static func parseLines(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth)
        -> [(line: Int, result: Result<JSONValue, JSONParseError>)]
    {
        var entries: [(line: Int, result: Result<JSONValue, JSONParseError>)] = []
        var start = 0
        var lineNumber = 1
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var isBlank = true
            for i in start..<end where !JSONParser.isWhitespace(bytes[i]) {
                isBlank = false
                break
            }
            if !isBlank {
                let result: Result<JSONValue, JSONParseError> = bytes[start..<end].withUnsafeBufferPointer { buffer in
                    var parser = JSONParser(buffer, maxDepth: maxDepth)
                    do throws(JSONParseError) {
                        return .success(try parser.parseDocument())
                    } catch {
                        var error = error
                        error.line = lineNumber
                        error.offset += start
                        return .failure(error)
                    }
                }
                entries.append((lineNumber, result))
            }
            start = end + 1
            lineNumber += 1
        }
        return entries
    }
}

/// A recursive-descent JSON parser over a byte buffer, with a depth limit.
struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int
    private var position = 0
    private var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
        skipWhitespace()
        if position == bytes.count {
            throw error(bytes.isEmpty ? "the file is empty: expected a JSON value" : "expected a JSON value, found only whitespace")
        }
        let value = try parseValue()
        skipWhitespace()
        if position < bytes.count {
            throw error("unexpected \(describe(bytes[position])) after the end of the JSON value")
        }
        return value
    }

    private mutating func skipWhitespace() {
        while position < bytes.count && Self.isWhitespace(bytes[position]) { position += 1 }
    }

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw truncated("a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case let byte: throw error("unexpected \(describe(byte)): expected a value (object, array, string, number, true, false or null)")
        }
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > maxDepth { throw error("nesting is deeper than \(maxDepth) levels") }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        position += 1
        var object = JSONObject()
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count else { throw truncated("a member name") }
            guard bytes[position] == UInt8(ascii: "\"") else {
                if bytes[position] == UInt8(ascii: "}") { throw error("a trailing comma is not allowed before '}'") }
                throw error("unexpected \(describe(bytes[position])): expected a member name in double quotes")
            }
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count else { throw truncated("':'") }
            guard bytes[position] == UInt8(ascii: ":") else {
                throw error("unexpected \(describe(bytes[position])): expected ':' after the member name \"\(key)\"")
            }
            position += 1
            skipWhitespace()
            object[key] = try parseValue()
            skipWhitespace()
            guard position < bytes.count else { throw truncated("',' or '}'") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                depth -= 1
                return .object(object)
            case let byte: throw error("unexpected \(describe(byte)): expected ',' or '}' in an object")
            }
        }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
                throw error("a trailing comma is not allowed before ']'")
            }
            elements.append(try parseValue())
            skipWhitespace()
            guard position < bytes.count else { throw truncated("',' or ']'") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                depth -= 1
                return .array(elements)
            case let byte: throw error("unexpected \(describe(byte)): expected ',' or ']' in an array")
            }
        }
    }

    private mutating func expectWord(_ word: String) throws(JSONParseError) {
        let utf8 = Array(word.utf8)
        let count = utf8.count
        for i in 0..<count {
            guard position + i < bytes.count else { throw truncated("'\(word)'") }
            if bytes[position + i] != utf8[i] {
                var end = position
                while end < bytes.count && end < position + 16 && isWordByte(bytes[end]) { end += 1 }
                let found = String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<max(end, position + 1)]), as: UTF8.self)
                throw error("unexpected '\(found)': expected '\(word)' (strings need double quotes)")
            }
        }
        position += count
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        var isInteger = true
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count else { throw truncated("a digit") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count && isDigit(bytes[position]) {
                throw error("a number cannot start with 0 followed by more digits")
            }
        } else if isDigit(bytes[position]) {
            while position < bytes.count && isDigit(bytes[position]) { position += 1 }
        } else {
            throw error("unexpected \(describe(bytes[position])): expected a digit")
        }
        if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw position < bytes.count ? error("expected a digit after the decimal point") : truncated("a digit")
            }
            while position < bytes.count && isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count && (bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")) {
            isInteger = false
            position += 1
            if position < bytes.count && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")) {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw position < bytes.count ? error("expected a digit in the exponent") : truncated("a digit")
            }
            while position < bytes.count && isDigit(bytes[position]) { position += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger, let int = Int(text) { return .int(int) }
        guard let double = Double(text), double.isFinite else {
            position = start
            throw error("the number \(text) is out of range")
        }
        return .double(double)
    }

    private func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || isDigit(byte) || byte == UInt8(ascii: "_")
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func parseString() throws(JSONParseError) -> String {
        position += 1
        let start = position
        // Fast path: no escapes.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
                guard let string = String(validating: slice, as: UTF8.self) else {
                    position = start + firstInvalidUTF8(slice)
                    throw error("the string is not valid UTF-8")
                }
                position += 1
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("a control character (\(describe(byte))) must be escaped inside a string") }
            position += 1
        }
        var scalars: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while true {
            guard position < bytes.count else { throw truncated("the closing '\"' of a string") }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                guard let string = String(validating: scalars, as: UTF8.self) else {
                    throw error("the string is not valid UTF-8")
                }
                position += 1
                return string
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { throw truncated("an escape sequence") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append(0x22)
                case UInt8(ascii: "\\"): scalars.append(0x5C)
                case UInt8(ascii: "/"): scalars.append(0x2F)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { throw error("a \\u escape for a high surrogate must be followed by a low surrogate") }
                        position += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw error("a \\u escape for a high surrogate must be followed by a low surrogate")
                        }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(code) {
                        throw error("a \\u escape cannot be a lone low surrogate")
                    }
                    let scalar = Unicode.Scalar(code)!
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    position -= 2
                    throw error("unknown escape sequence '\\\(describeRaw(escape))' in a string")
                }
            default:
                if byte < 0x20 { throw error("a control character (\(describe(byte))) must be escaped inside a string") }
                scalars.append(byte)
                position += 1
            }
        }
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count else { throw truncated("four hex digits") }
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("a \\u escape needs four hex digits")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private func firstInvalidUTF8(_ slice: UnsafeBufferPointer<UInt8>) -> Int {
        var iterator = slice.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            let before = offset
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return offset
            case .error: return before
            }
        }
    }

    private func describeRaw(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }

    private func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(String(UnicodeScalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count == 1 ? "0" + hex : hex)
    }

    private func truncated(_ expected: String) -> JSONParseError {
        error("unexpected end of file: expected \(expected) (is the file truncated?)")
    }

    /// An error at the current position, with its line and column.
    private func error(_ message: String) -> JSONParseError {
        let offset = min(position, bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<offset where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        var column = 1
        for i in lineStart..<offset where bytes[i] & 0xC0 != 0x80 { column += 1 }
        return JSONParseError(message: message, line: line, column: column, offset: offset)
    }
}
