/// An error parsing or rendering a template, located in the template's source.
///
/// `description` reads `name:line:column: message`, the form compilers use, so editors and
/// people can jump to the spot. Lines and columns count from 1; 0 means "not known". It is one
/// line: control characters that a message quotes from the template (a string literal with a
/// newline, say) are escaped as `\n`, `\r`, `\t` or `\u{…}` (``oneLine(_:)``).
public struct LiquidError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, broadly.
    public enum Kind: String, Sendable, Equatable {
        /// The template is not valid Liquid.
        case syntax
        /// Strict mode: a variable or property that does not exist.
        case undefinedVariable
        /// A filter that does not exist (an error in strict mode).
        case undefinedFilter
        /// A filter or tag got an argument it cannot use (wrong type, division by zero...).
        case argument
        /// `include` or `render` named a partial that cannot be found.
        case templateNotFound
        /// A render limit was exceeded (loop iterations, output size, time, include depth).
        case limitExceeded
    }

    /// What went wrong, broadly.
    public var kind: Kind
    /// What went wrong, for a template author.
    public var message: String
    /// The name of the template (or partial) the error is in, if it has one.
    public var templateName: String?
    /// The line of the tag or output where the error is (from 1; 0 if not known).
    public var line: Int
    /// The column of the error on that line (from 1; 0 if not known).
    public var column: Int

    /// An error of `kind` saying `message`, at `line` and `column` of `templateName`.
    public init(_ kind: Kind, _ message: String, templateName: String? = nil, line: Int = 0, column: Int = 0) {
        self.kind = kind
        self.message = LiquidError.oneLine(message)
        self.templateName = templateName
        self.line = line
        self.column = column
    }

    /// `name:line:column: message` (the name is left out when the template has none), on one line.
    public var description: String {
        let place = "\(line):\(column): \(LiquidError.oneLine(message))"
        guard let templateName else { return place }
        return "\(LiquidError.oneLine(templateName)):\(place)"
    }

    /// `text` with its control characters (and the Unicode line and paragraph separators) escaped,
    /// so it prints as one line: newline as `\n`, carriage return `\r`, tab `\t`, any other as
    /// `\u{XX}`. O(n); `text` itself when it has none.
    public static func oneLine(_ text: String) -> String {
        func breaks(_ s: Unicode.Scalar) -> Bool {
            s.value < 0x20 || (s.value >= 0x7F && s.value <= 0x9F) || s.value == 0x2028 || s.value == 0x2029
        }
        guard text.unicodeScalars.contains(where: breaks) else { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case let s where breaks(s): escaped += "\\u{" + String(s.value, radix: 16, uppercase: true) + "}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
