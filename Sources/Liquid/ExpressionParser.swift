/// Parses expressions, filter chains and conditions from the tokens of one piece of markup.
struct ExpressionParser {
    private let parser: Parser
    private let tokens: [ExpressionToken]
    private(set) var index = 0
    /// How deeply brackets and ranges are nested at the token at hand.
    private var nesting = 0

    /// The deepest nesting of brackets and ranges.
    static let maxNesting = 32
    /// The most comparisons joined by `and` and `or` in one condition.
    static let maxComparisons = 200

    /// A parser of the markup `range` of the template `parser` is reading.
    init(_ parser: Parser, _ range: Range<Int>) throws(LiquidError) {
        self.parser = parser
        self.tokens = try ExpressionLexer.tokens(parser.bytes, range) { message, offset in
            parser.error(message, at: offset)
        }
    }

    /// The token at hand.
    var current: ExpressionToken { tokens[index] }

    /// The token `n` places after the one at hand.
    func peek(_ n: Int = 1) -> ExpressionToken { tokens[min(index + n, tokens.count - 1)] }

    /// Whether all tokens are used.
    var atEnd: Bool { current.kind == .end }

    /// Moves past the token at hand and returns it.
    @discardableResult
    /// Moves past the token at hand and returns it.
    mutating func advance() -> ExpressionToken {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    /// Moves past the token at hand if it is of `kind`.
    mutating func accept(_ kind: ExpressionToken.Kind) -> Bool {
        guard current.kind == kind else { return false }
        advance()
        return true
    }

    /// Moves past the token at hand if it is the word `word`.
    mutating func acceptWord(_ word: String) -> Bool {
        guard current.kind == .identifier, current.text == word else { return false }
        advance()
        return true
    }

    /// The token at hand, which must be of `kind` (`what` names it in the error).
    mutating func expect(_ kind: ExpressionToken.Kind, _ what: String) throws(LiquidError) -> ExpressionToken {
        guard current.kind == kind else { throw unexpected(expecting: what) }
        return advance()
    }

    /// An error about the token at hand, saying what was expected instead.
    func unexpected(expecting what: String) -> LiquidError {
        let found = current.kind == .end ? "the end of the tag" : describe(current)
        return parser.error("expected \(what), found \(found)", at: current.start)
    }

    /// Fails unless every token was used (`context` says where, e.g. "in 'assign'").
    func expectEnd(_ context: String) throws(LiquidError) {
        guard current.kind != .end else { return }
        throw parser.error("unexpected \(describe(current)) \(context)", at: current.start)
    }

    /// The token as written, in quotes unless it is a quoted string already.
    private func describe(_ token: ExpressionToken) -> String {
        let text = Bytes.string(parser.bytes, token.start..<token.end)
        return token.kind == .string ? text : "'\(text)'"
    }

    /// The source text from byte `start` to the end of the last token used.
    func source(from start: Int) -> String {
        let end = index > 0 ? tokens[index - 1].end : start
        return Bytes.string(parser.bytes, start..<max(start, end))
    }

    // MARK: Expressions

    /// An expression with its filters: `value | filter: arg, key: arg | ...`.
    mutating func parseFiltered() throws(LiquidError) -> FilteredExpression {
        let base = try parseExpression()
        return FilteredExpression(base: base, filters: try parseFilters())
    }

    /// The filters after an expression, if any.
    mutating func parseFilters() throws(LiquidError) -> [FilterCall] {
        var filters: [FilterCall] = []
        while accept(.pipe) {
            let nameToken = try expect(.identifier, "a filter name after '|'")
            var arguments: [Expression] = []
            var keywords: [FilterCall.Keyword] = []
            if accept(.colon) {
                repeat {
                    if current.kind == .pipe || current.kind == .end { break }
                    if current.kind == .identifier && peek().kind == .colon {
                        let name = advance().text
                        advance()
                        keywords.append(FilterCall.Keyword(name: name, value: try parseExpression()))
                    } else {
                        arguments.append(try parseExpression())
                    }
                } while accept(.comma)
            }
            filters.append(try resolveFilter(nameToken, arguments, keywords))
        }
        return filters
    }

    private func resolveFilter(
        _ token: ExpressionToken, _ arguments: [Expression], _ keywords: [FilterCall.Keyword]
    )
        throws(LiquidError) -> FilterCall
    {
        guard let filter = Filters.named(token.text) else {
            if parser.options.strict {
                throw parser.error("unknown filter '\(token.text)'", at: token.start, kind: .undefinedFilter)
            }
            return FilterCall(
                name: token.text, filter: nil, arguments: arguments, keywords: keywords,
                location: parser.location(token.start))
        }
        if arguments.count < filter.minArguments || arguments.count > filter.maxArguments {
            let expected: String
            if filter.maxArguments == 0 {
                expected = "takes no arguments"
            } else if filter.minArguments == filter.maxArguments {
                expected = "takes \(filter.minArguments) argument\(filter.minArguments == 1 ? "" : "s")"
            } else {
                expected = "takes \(filter.minArguments) to \(filter.maxArguments) arguments"
            }
            throw parser.error(
                "filter '\(filter.name)' \(expected), but was given \(arguments.count)", at: token.start,
                kind: .argument)
        }
        for keyword in keywords where !filter.keywords.contains(keyword.name) {
            throw parser.error(
                "filter '\(filter.name)' has no argument named '\(keyword.name)'", at: token.start, kind: .argument)
        }
        return FilterCall(
            name: token.text, filter: filter, arguments: arguments, keywords: keywords,
            location: parser.location(token.start))
    }

    /// A single value: a literal, a range or a variable path.
    mutating func parseExpression() throws(LiquidError) -> Expression {
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Self.maxNesting else {
            throw parser.error("brackets and ranges are nested more than \(Self.maxNesting) deep", at: current.start)
        }
        let token = current
        switch token.kind {
        case .string:
            advance()
            return .literal(.string(token.text))
        case .integer:
            advance()
            if let i = Int(token.text) { return .literal(.int(i)) }
            return .literal(.double(Double(token.text) ?? 0))
        case .float:
            advance()
            return .literal(.double(Double(token.text) ?? 0))
        case .leftParen:
            advance()
            let low = try parseExpression()
            _ = try expect(.dotDot, "'..' in a range such as (1..5)")
            let high = try parseExpression()
            _ = try expect(.rightParen, "')' to close the range")
            return .range(low, high)
        case .identifier:
            switch token.text {
            case "true":
                advance()
                return .literal(.bool(true))
            case "false":
                advance()
                return .literal(.bool(false))
            case "nil", "null":
                advance()
                return .literal(.nil)
            case "empty":
                advance()
                return .empty
            case "blank":
                advance()
                return .blank
            default:
                advance()
                return .path(try parsePath(root: .name(token.text), start: token.start))
            }
        case .leftBracket:
            advance()
            let key = try parseExpression()
            _ = try expect(.rightBracket, "']'")
            if case .literal(.string(let name)) = key {
                return .path(try parsePath(root: .name(name), start: token.start))
            }
            return .path(try parsePath(root: .dynamic(key), start: token.start))
        default:
            throw unexpected(expecting: "a value")
        }
    }

    private mutating func parsePath(root: VariablePath.Root, start: Int) throws(LiquidError) -> VariablePath {
        var segments: [VariablePath.Segment] = []
        while true {
            if current.kind == .dot {
                advance()
                if current.kind == .identifier {
                    segments.append(.key(advance().text))
                } else if current.kind == .integer && !parser.options.strict, let i = Int(current.text) {
                    advance()
                    segments.append(.index(i))
                } else {
                    throw unexpected(expecting: "a property name after '.'")
                }
            } else if current.kind == .leftBracket {
                advance()
                let key = try parseExpression()
                _ = try expect(.rightBracket, "']'")
                switch key {
                case .literal(.string(let name)): segments.append(.key(name))
                case .literal(.int(let i)): segments.append(.index(i))
                default: segments.append(.dynamic(key))
                }
            } else {
                break
            }
        }
        return VariablePath(
            root: root, segments: segments, source: source(from: start), location: parser.location(start))
    }

    // MARK: Conditions

    /// A condition: comparisons joined by `and` and `or` (grouped from the right).
    mutating func parseCondition() throws(LiquidError) -> Condition {
        var comparisons = [try parseComparison()]
        var joiners: [Bool] = []  // true for `and`
        while current.kind == .identifier && (current.text == "and" || current.text == "or") {
            joiners.append(advance().text == "and")
            guard comparisons.count < Self.maxComparisons else {
                throw parser.error("a condition may join at most \(Self.maxComparisons) comparisons", at: current.start)
            }
            comparisons.append(try parseComparison())
        }
        var condition = comparisons.removeLast()
        while let isAnd = joiners.popLast() {
            let left = comparisons.removeLast()
            condition = isAnd ? .and(left, condition) : .or(left, condition)
        }
        return condition
    }

    private mutating func parseComparison() throws(LiquidError) -> Condition {
        let left = try parseExpression()
        let op: ComparisonOperator
        if current.kind == .comparison {
            switch current.text {
            case "==": op = .equal
            case "!=", "<>": op = .notEqual
            case "<": op = .less
            case ">": op = .greater
            case "<=": op = .lessOrEqual
            case ">=": op = .greaterOrEqual
            default: throw parser.error("unknown operator '\(current.text)'", at: current.start)
            }
        } else if current.kind == .identifier && current.text == "contains" {
            op = .contains
        } else {
            return .truthy(left)
        }
        advance()
        return .compare(left, op, try parseExpression())
    }
}
