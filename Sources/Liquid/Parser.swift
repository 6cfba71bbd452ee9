/// Turns template source into nodes: reads tokens, parses expressions, and dispatches tags.
final class Parser {
    /// The source, UTF-8.
    let bytes: [UInt8]
    /// Line and column lookup for error messages and node locations.
    var lines: LineTable
    /// Strict or lax parsing.
    let options: ParseOptions
    /// The template's name, for error messages.
    let templateName: String?
    private var scanner: TemplateScanner
    /// The lines of the `{% liquid %}` tag being parsed, if any.
    private var liquidLines: [TemplateToken]?
    private var liquidIndex = 0
    /// How deeply blocks are nested at the token at hand.
    private var depth = 0

    /// The deepest nesting of blocks a template may have.
    static let maxDepth = 100

    /// A body of nodes, and whether it is blank (only white space and tags that output nothing).
    struct Body {
        var nodes: [Node] = []
        var blank = true
    }

    /// A parser of `source`, named `name` in errors.
    init(source: String, name: String?, options: ParseOptions) {
        bytes = Array(source.utf8)
        lines = LineTable(bytes)
        self.options = options
        templateName = name
        scanner = TemplateScanner(bytes)
    }

    /// A syntax (or other) error at byte `offset`.
    func error(_ message: String, at offset: Int, kind: LiquidError.Kind = .syntax) -> LiquidError {
        let location = lines.location(of: offset)
        return LiquidError(
            kind, message, templateName: templateName, line: Int(location.line), column: Int(location.column))
    }

    /// The line and column of byte `offset`.
    func location(_ offset: Int) -> SourceLocation { lines.location(of: offset) }

    /// Whether the tokens come from a `{% liquid %}` tag.
    var inLiquidTag: Bool { liquidLines != nil }

    /// The next token: from the `liquid` tag being parsed, or from the source.
    func nextToken() throws(LiquidError) -> TemplateToken? {
        if let liquidLines {
            guard liquidIndex < liquidLines.count else { return nil }
            liquidIndex += 1
            return liquidLines[liquidIndex - 1]
        }
        return try scanner.next(lines: &lines, name: templateName)
    }

    /// Takes the source verbatim up to `{% end %}` (for `raw` and `doc`); nil if it never comes.
    func verbatim(until end: String) -> Range<Int>? { scanner.verbatim(until: end) }

    /// Parses the whole template.
    func parseDocument() throws(LiquidError) -> [Node] {
        try parseBody(until: [], opener: nil).body.nodes
    }

    /// Parses nodes until one of the tags `delimiters` (returned) or the end of the tokens
    /// (an error if `opener`, the block being parsed, is still open).
    func parseBody(
        until delimiters: [String], opener: TemplateToken?
    ) throws(LiquidError)
        -> (body: Body, delimiter: TemplateToken?)
    {
        var body = Body()
        while let token = try nextToken() {
            switch token.kind {
            case .text:
                if !Bytes.isBlank(bytes, token.content) { body.blank = false }
                let text = Bytes.string(bytes, token.content)
                if case .text(let previous)? = body.nodes.last {
                    body.nodes[body.nodes.count - 1] = .text(previous + text)
                } else {
                    body.nodes.append(.text(text))
                }
            case .output:
                body.blank = false
                var parser = try ExpressionParser(self, token.content)
                if parser.atEnd { continue }
                let expression = try parser.parseFiltered()
                try parser.expectEnd("in output; expected '|' and a filter, or '}}'")
                body.nodes.append(.output(OutputNode(expression: expression, location: location(token.start))))
            case .tag:
                if delimiters.contains(token.name) { return (body, token) }
                let (node, blank) = try parseTag(token)
                if let node {
                    if case .text(let text) = node, case .text(let previous)? = body.nodes.last {
                        body.nodes[body.nodes.count - 1] = .text(previous + text)
                    } else {
                        body.nodes.append(node)
                    }
                }
                if !blank { body.blank = false }
            }
        }
        if let opener {
            let end = delimiters.last ?? "end\(opener.name)"
            throw error("'\(opener.name)' tag was never closed (missing {% \(end) %})", at: opener.start)
        }
        return (body, nil)
    }

    /// Parses the body of a block tag, one level deeper.
    func parseBlockBody(
        until delimiters: [String], opener: TemplateToken
    ) throws(LiquidError)
        -> (body: Body, delimiter: TemplateToken?)
    {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Parser.maxDepth else {
            throw error("blocks are nested more than \(Parser.maxDepth) deep", at: opener.start)
        }
        return try parseBody(until: delimiters, opener: opener)
    }

    /// Parses the tags of a `{% liquid %}` tag's lines as a body.
    func parseLiquidLines(_ tokens: [TemplateToken]) throws(LiquidError) -> Body {
        let savedLines = liquidLines
        let savedIndex = liquidIndex
        liquidLines = tokens
        liquidIndex = 0
        defer {
            liquidLines = savedLines
            liquidIndex = savedIndex
        }
        return try parseBody(until: [], opener: nil).body
    }

    /// The nodes of a blank block without their (white-space) text.
    static func withoutText(_ nodes: [Node]) -> [Node] {
        nodes.filter {
            if case .text = $0 { return false }
            return true
        }
    }
}
