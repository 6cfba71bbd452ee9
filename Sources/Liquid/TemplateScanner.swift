/// Splits template source into tokens, applying whitespace control (`{%-`, `-%}`, `{{-`, `-}}`).
///
/// Works on demand, so the parser can take the body of `raw` and `doc` verbatim.
struct TemplateScanner {
    /// The source, UTF-8.
    let bytes: [UInt8]
    private(set) var position = 0
    /// Whether the previous token ended with `-%}` or `-}}`, so the next text loses leading space.
    private var trimNextText = false

    /// A scanner of `bytes`.
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The next token, or nil at the end.
    mutating func next(lines: inout LineTable, name: String?) throws(LiquidError) -> TemplateToken? {
        let count = bytes.count
        while position < count {
            if isDelimiterStart(position) {
                return try delimited(lines: &lines, name: name)
            }
            var end = position + 1
            while end < count && !isDelimiterStart(end) { end += 1 }
            var textStart = position
            var textEnd = end
            if trimNextText {
                while textStart < textEnd && Bytes.isSpace(bytes[textStart]) { textStart += 1 }
            }
            if end + 2 < count && bytes[end + 2] == UInt8(ascii: "-") {
                while textEnd > textStart && Bytes.isSpace(bytes[textEnd - 1]) { textEnd -= 1 }
            }
            trimNextText = false
            let start = position
            position = end
            if textStart < textEnd {
                return TemplateToken(kind: .text, start: start, content: textStart..<textEnd)
            }
        }
        return nil
    }

    private func isDelimiterStart(_ i: Int) -> Bool {
        guard bytes[i] == UInt8(ascii: "{"), i + 1 < bytes.count else { return false }
        let next = bytes[i + 1]
        return next == UInt8(ascii: "{") || next == UInt8(ascii: "%")
    }

    private mutating func delimited(lines: inout LineTable, name: String?) throws(LiquidError) -> TemplateToken {
        let start = position
        let isOutput = bytes[start + 1] == UInt8(ascii: "{")
        let closer = isOutput ? UInt8(ascii: "}") : UInt8(ascii: "%")
        var i = start + 2
        if i < bytes.count && bytes[i] == UInt8(ascii: "-") { i += 1 }
        var close = i
        while close + 1 < bytes.count && !(bytes[close] == closer && bytes[close + 1] == UInt8(ascii: "}")) {
            close += 1
        }
        guard close + 1 < bytes.count else {
            let location = lines.location(of: start)
            let what = isOutput ? "output '{{' was never closed with '}}'" : "tag '{%' was never closed with '%}'"
            throw LiquidError(
                .syntax, what, templateName: name, line: Int(location.line), column: Int(location.column))
        }
        var contentEnd = close
        var trimRight = false
        if contentEnd > i && bytes[contentEnd - 1] == UInt8(ascii: "-") {
            contentEnd -= 1
            trimRight = true
        }
        position = close + 2
        trimNextText = trimRight
        if isOutput {
            return TemplateToken(kind: .output, start: start, content: i..<contentEnd)
        }
        var j = i
        while j < contentEnd && Bytes.isSpace(bytes[j]) { j += 1 }
        let nameStart = j
        if j < contentEnd && bytes[j] == UInt8(ascii: "#") {
            j += 1
        } else {
            while j < contentEnd && Bytes.isWordByte(bytes[j]) { j += 1 }
        }
        let tagName = Bytes.string(bytes, nameStart..<j)
        return TemplateToken(kind: .tag, start: start, content: j..<contentEnd, name: tagName)
    }

    /// Takes everything up to the tag `{% end %}` verbatim (for `raw` and `doc`), or nil if that tag never comes.
    mutating func verbatim(until end: String) -> Range<Int>? {
        let endBytes = Array(end.utf8)
        var k = position
        while k + 1 < bytes.count {
            if bytes[k] == UInt8(ascii: "{") && bytes[k + 1] == UInt8(ascii: "%") {
                var j = k + 2
                let trimLeft = j < bytes.count && bytes[j] == UInt8(ascii: "-")
                if trimLeft { j += 1 }
                while j < bytes.count && Bytes.isSpace(bytes[j]) { j += 1 }
                if j + endBytes.count <= bytes.count && Array(bytes[j..<(j + endBytes.count)]) == endBytes {
                    j += endBytes.count
                    while j < bytes.count && Bytes.isSpace(bytes[j]) { j += 1 }
                    var trimRight = false
                    if j < bytes.count && bytes[j] == UInt8(ascii: "-") {
                        trimRight = true
                        j += 1
                    }
                    if j + 1 < bytes.count && bytes[j] == UInt8(ascii: "%") && bytes[j + 1] == UInt8(ascii: "}") {
                        var bodyStart = position
                        var bodyEnd = k
                        if trimNextText {
                            while bodyStart < bodyEnd && Bytes.isSpace(bytes[bodyStart]) { bodyStart += 1 }
                        }
                        if trimLeft {
                            while bodyEnd > bodyStart && Bytes.isSpace(bytes[bodyEnd - 1]) { bodyEnd -= 1 }
                        }
                        position = j + 2
                        trimNextText = trimRight
                        return bodyStart..<bodyEnd
                    }
                }
            }
            k += 1
        }
        return nil
    }
}
