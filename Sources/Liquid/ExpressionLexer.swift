/// Splits markup (a byte range of the template source) into expression tokens.
enum ExpressionLexer {
    /// The tokens of `bytes[range]`, ending with an `.end` token.
    static func tokens(
        _ bytes: [UInt8], _ range: Range<Int>, fail: (String, Int) -> LiquidError
    ) throws(LiquidError)
        -> [ExpressionToken]
    {
        var tokens: [ExpressionToken] = []
        var i = range.lowerBound
        let end = range.upperBound
        func add(_ kind: ExpressionToken.Kind, _ start: Int, _ stop: Int, _ text: String? = nil) {
            tokens.append(
                ExpressionToken(kind: kind, text: text ?? Bytes.string(bytes, start..<stop), start: start, end: stop))
        }
        while i < end {
            let b = bytes[i]
            if Bytes.isSpace(b) {
                i += 1
                continue
            }
            let start = i
            switch b {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                var j = i + 1
                while j < end && bytes[j] != b { j += 1 }
                guard j < end else {
                    throw fail("this string is never closed (missing \(b == 0x27 ? "'" : "\""))", start)
                }
                add(.string, start, j + 1, Bytes.string(bytes, (i + 1)..<j))
                i = j + 1
            case UInt8(ascii: "."):
                if i + 1 < end && bytes[i + 1] == UInt8(ascii: ".") {
                    add(.dotDot, start, i + 2)
                    i += 2
                } else {
                    add(.dot, start, i + 1)
                    i += 1
                }
            case UInt8(ascii: "["): add(.leftBracket, start, i + 1); i += 1
            case UInt8(ascii: "]"): add(.rightBracket, start, i + 1); i += 1
            case UInt8(ascii: "("): add(.leftParen, start, i + 1); i += 1
            case UInt8(ascii: ")"): add(.rightParen, start, i + 1); i += 1
            case UInt8(ascii: "|"): add(.pipe, start, i + 1); i += 1
            case UInt8(ascii: ":"): add(.colon, start, i + 1); i += 1
            case UInt8(ascii: ","): add(.comma, start, i + 1); i += 1
            case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "<"), UInt8(ascii: ">"):
                let next: UInt8 = i + 1 < end ? bytes[i + 1] : 0
                if next == UInt8(ascii: "=") || (b == UInt8(ascii: "<") && next == UInt8(ascii: ">")) {
                    add(.comparison, start, i + 2)
                    i += 2
                } else if b == UInt8(ascii: "<") || b == UInt8(ascii: ">") {
                    add(.comparison, start, i + 1)
                    i += 1
                } else if b == UInt8(ascii: "=") {
                    add(.assign, start, i + 1)
                    i += 1
                } else {
                    throw fail("unexpected '!'; did you mean '!='?", start)
                }
            default:
                if Bytes.isDigit(b) || (b == UInt8(ascii: "-") && i + 1 < end && Bytes.isDigit(bytes[i + 1])) {
                    var j = i + 1
                    while j < end && Bytes.isDigit(bytes[j]) { j += 1 }
                    if j + 1 < end && bytes[j] == UInt8(ascii: ".") && Bytes.isDigit(bytes[j + 1]) {
                        j += 1
                        while j < end && Bytes.isDigit(bytes[j]) { j += 1 }
                        add(.float, start, j)
                    } else {
                        add(.integer, start, j)
                    }
                    i = j
                } else if Bytes.isIdentifierStart(b) {
                    var j = i + 1
                    while j < end && Bytes.isIdentifierPart(bytes[j]) { j += 1 }
                    if j < end && bytes[j] == UInt8(ascii: "?") { j += 1 }
                    add(.identifier, start, j)
                    i = j
                } else {
                    let scalarEnd = min(end, i + 1)
                    throw fail("unexpected character '\(Bytes.string(bytes, i..<scalarEnd))'", start)
                }
            }
        }
        tokens.append(ExpressionToken(kind: .end, text: "", start: end, end: end))
        return tokens
    }
}
