/// The standard tags: each parses its markup and body into a node.
extension Parser {
    /// Tags that close or continue a block, which are errors anywhere else.
    private static let delimiterTags: Set<String> = [
        "else", "elsif", "when", "endif", "endunless", "endfor", "endcase", "endcapture", "endcomment", "endraw",
        "enddoc", "endtablerow", "endifchanged",
    ]

    /// Parses the tag `token`: its node (nil for comments) and whether it outputs nothing.
    func parseTag(_ token: TemplateToken) throws(LiquidError) -> (node: Node?, blank: Bool) {
        switch token.name {
        case "if": return try parseConditional(token, unless: false)
        case "unless": return try parseConditional(token, unless: true)
        case "for": return try parseLoop(token, tablerow: false)
        case "tablerow": return try parseLoop(token, tablerow: true)
        case "case": return try parseCase(token)
        case "assign": return (try parseAssign(token), true)
        case "capture": return (try parseCapture(token), true)
        case "echo": return (try parseEcho(token), false)
        case "comment":
            try skipComment(token)
            return (nil, true)
        case "#":
            try checkInlineComment(token)
            return (nil, true)
        case "doc":
            try skipDoc(token)
            return (nil, true)
        case "raw": return try parseRaw(token)
        case "liquid": return try parseLiquid(token)
        case "cycle": return (try parseCycle(token), false)
        case "increment", "decrement":
            var parser = try ExpressionParser(self, token.content)
            let name = try variableName(&parser, for: token.name)
            try parser.expectEnd("in '\(token.name)'")
            return (.counter(name: name, increment: token.name == "increment"), false)
        case "break", "continue":
            let parser = try ExpressionParser(self, token.content)
            try parser.expectEnd("in '\(token.name)'")
            return (token.name == "break" ? .breakLoop : .continueLoop, false)
        case "ifchanged":
            let (body, _) = try parseBlockBody(until: ["endifchanged"], opener: token)
            return (.ifchanged(body.nodes), body.blank)
        case "include": return (try parsePartial(token, isRender: false), false)
        case "render": return (try parsePartial(token, isRender: true), false)
        case "":
            throw error("expected a tag name after '{%'", at: token.start)
        default:
            if Parser.delimiterTags.contains(token.name) {
                throw error("unexpected '{% \(token.name) %}': no open block takes it here", at: token.start)
            }
            throw error("unknown tag '\(token.name)'", at: token.start)
        }
    }

    /// A variable name for `assign`, `capture`, `increment`...: an identifier not ending in `?`
    /// (digits alone are allowed, as in Shopify's Liquid), or a quoted string.
    private func variableName(_ parser: inout ExpressionParser, for tag: String) throws(LiquidError) -> String {
        let token = parser.current
        switch token.kind {
        case .identifier:
            if token.text.hasSuffix("?") && tag != "for" && tag != "tablerow" {
                throw error("'\(tag)' cannot name a variable '\(token.text)' (ending in '?')", at: token.start)
            }
        case .integer where !token.text.hasPrefix("-"): break
        case .string where tag == "capture": break
        default: throw parser.unexpected(expecting: "a variable name after '\(tag)'")
        }
        parser.advance()
        return token.text
    }

    private func parseConditional(_ token: TemplateToken, unless: Bool) throws(LiquidError) -> (Node?, Bool) {
        let endName = unless ? "endunless" : "endif"
        var parser = try ExpressionParser(self, token.content)
        if parser.atEnd { throw error("'\(token.name)' needs a condition", at: token.start) }
        var condition: Condition? = try parser.parseCondition()
        try parser.expectEnd("in '\(token.name)' condition")
        var negated = unless
        var branches: [ConditionalNode.Branch] = []
        var blank = true
        while true {
            let (body, delimiter) = try parseBlockBody(until: ["elsif", "else", endName], opener: token)
            blank = blank && body.blank
            branches.append(ConditionalNode.Branch(condition: condition, negated: negated, body: body.nodes))
            guard let delimiter, delimiter.name != endName else { break }
            negated = false
            if delimiter.name == "elsif" {
                var elsif = try ExpressionParser(self, delimiter.content)
                if elsif.atEnd { throw error("'elsif' needs a condition", at: delimiter.start) }
                condition = try elsif.parseCondition()
                try elsif.expectEnd("in 'elsif' condition")
            } else {
                condition = nil
            }
        }
        if blank {
            branches = branches.map {
                ConditionalNode.Branch(condition: $0.condition, negated: $0.negated, body: Parser.withoutText($0.body))
            }
        }
        return (.conditional(ConditionalNode(branches: branches, location: location(token.start))), blank)
    }

    private func parseLoop(_ token: TemplateToken, tablerow: Bool) throws(LiquidError) -> (Node?, Bool) {
        var parser = try ExpressionParser(self, token.content)
        let variable = try variableName(&parser, for: token.name)
        guard parser.acceptWord("in") else { throw parser.unexpected(expecting: "'in' after the loop variable") }
        let collectionStart = parser.current.start
        let collection = try parser.parseExpression()
        let collectionSource = parser.source(from: collectionStart)
        var limit: Expression?
        var offset = ForNode.Offset.none
        var reversed = false
        var columns: Expression?
        while !parser.atEnd {
            if parser.accept(.comma) { continue }
            if parser.acceptWord("reversed") {
                reversed = true
                continue
            }
            guard parser.current.kind == .identifier, parser.peek().kind == .colon else {
                throw parser.unexpected(expecting: "'limit:', 'offset:'\(tablerow ? ", 'cols:'" : "") or 'reversed'")
            }
            let nameToken = parser.advance()
            parser.advance()
            switch nameToken.text {
            case "limit": limit = try parser.parseExpression()
            case "offset":
                offset = parser.acceptWord("continue") ? .continuing : .value(try parser.parseExpression())
            case "cols" where tablerow: columns = try parser.parseExpression()
            default:
                if options.strict {
                    throw error("'\(token.name)' has no parameter '\(nameToken.text)'", at: nameToken.start)
                }
                _ = try parser.parseExpression()
            }
        }
        let endName = tablerow ? "endtablerow" : "endfor"
        var (body, delimiter) = try parseBlockBody(until: tablerow ? [endName] : ["else", endName], opener: token)
        var elseBody = Body()
        if delimiter?.name == "else" {
            (elseBody, delimiter) = try parseBlockBody(until: [endName], opener: token)
        }
        let blank = !tablerow && body.blank && elseBody.blank
        if blank {
            body.nodes = Parser.withoutText(body.nodes)
            elseBody.nodes = Parser.withoutText(elseBody.nodes)
        }
        let node = ForNode(
            variable: variable, collection: collection, name: "\(variable)-\(collectionSource)", limit: limit,
            offset: offset, reversed: reversed, columns: columns, body: body.nodes, elseBody: elseBody.nodes,
            location: location(token.start))
        return (tablerow ? .tablerow(node) : .forLoop(node), blank)
    }

    private func parseCase(_ token: TemplateToken) throws(LiquidError) -> (Node?, Bool) {
        var parser = try ExpressionParser(self, token.content)
        if parser.atEnd { throw error("'case' needs a value", at: token.start) }
        let subject = try parser.parseExpression()
        try parser.expectEnd("in 'case'")
        let delimiters = ["when", "else", "endcase"]
        var (_, delimiter) = try parseBlockBody(until: delimiters, opener: token)
        var branches: [CaseNode.Branch] = []
        var blank = true
        while let tag = delimiter, tag.name != "endcase" {
            var values: [Expression] = []
            if tag.name == "when" {
                var whenParser = try ExpressionParser(self, tag.content)
                if whenParser.atEnd { throw error("'when' needs a value to compare with", at: tag.start) }
                repeat {
                    values.append(try whenParser.parseExpression())
                } while whenParser.accept(.comma) || whenParser.acceptWord("or")
                if options.strict { try whenParser.expectEnd("in 'when'") }
            }
            let (body, next) = try parseBlockBody(until: delimiters, opener: token)
            blank = blank && body.blank
            branches.append(CaseNode.Branch(values: values, body: body.nodes))
            delimiter = next
        }
        if blank {
            branches = branches.map { CaseNode.Branch(values: $0.values, body: Parser.withoutText($0.body)) }
        }
        return (.caseTag(CaseNode(subject: subject, branches: branches, location: location(token.start))), blank)
    }

    private func parseAssign(_ token: TemplateToken) throws(LiquidError) -> Node {
        var parser = try ExpressionParser(self, token.content)
        let name = try variableName(&parser, for: "assign")
        _ = try parser.expect(.assign, "'=' after the variable name")
        if parser.atEnd { throw parser.unexpected(expecting: "a value after '='") }
        let value = try parser.parseFiltered()
        try parser.expectEnd("in 'assign'; expected '|' and a filter")
        return .assign(AssignNode(name: name, value: value, location: location(token.start)))
    }

    private func parseCapture(_ token: TemplateToken) throws(LiquidError) -> Node {
        var parser = try ExpressionParser(self, token.content)
        let name = try variableName(&parser, for: "capture")
        try parser.expectEnd("in 'capture'")
        let (body, _) = try parseBlockBody(until: ["endcapture"], opener: token)
        return .capture(CaptureNode(name: name, body: body.nodes))
    }

    private func parseEcho(_ token: TemplateToken) throws(LiquidError) -> Node? {
        var parser = try ExpressionParser(self, token.content)
        if parser.atEnd { return nil }
        let expression = try parser.parseFiltered()
        try parser.expectEnd("in 'echo'; expected '|' and a filter")
        return .output(OutputNode(expression: expression, location: location(token.start)))
    }

    private func skipComment(_ token: TemplateToken) throws(LiquidError) {
        var depth = 1
        while let next = try nextToken() {
            guard next.kind == .tag else { continue }
            switch next.name {
            case "comment": depth += 1
            case "endcomment":
                depth -= 1
                if depth == 0 { return }
            case "raw" where !inLiquidTag:
                guard verbatim(until: "endraw") != nil else {
                    throw error("'raw' tag was never closed (missing {% endraw %})", at: next.start)
                }
            default: break
            }
        }
        throw error("'comment' tag was never closed (missing {% endcomment %})", at: token.start)
    }

    private func checkInlineComment(_ token: TemplateToken) throws(LiquidError) {
        var i = token.content.lowerBound
        while i < token.content.upperBound {
            if bytes[i] == UInt8(ascii: "\n") {
                var j = i + 1
                while j < token.content.upperBound && Bytes.isSpace(bytes[j]) { j += 1 }
                if j < token.content.upperBound && bytes[j] != UInt8(ascii: "#") {
                    throw error("every line of an inline comment must start with '#'", at: j)
                }
                i = j
            } else {
                i += 1
            }
        }
    }

    private func skipDoc(_ token: TemplateToken) throws(LiquidError) {
        guard Bytes.isBlank(bytes, token.content) else {
            throw error("'doc' takes no arguments", at: token.content.lowerBound)
        }
        if inLiquidTag {
            while let next = try nextToken() {
                if next.name == "enddoc" { return }
            }
            throw error("'doc' tag was never closed (missing enddoc)", at: token.start)
        }
        guard verbatim(until: "enddoc") != nil else {
            throw error("'doc' tag was never closed (missing {% enddoc %})", at: token.start)
        }
    }

    private func parseRaw(_ token: TemplateToken) throws(LiquidError) -> (Node?, Bool) {
        guard !inLiquidTag else { throw error("'raw' cannot be used inside 'liquid'", at: token.start) }
        guard let range = verbatim(until: "endraw") else {
            throw error("'raw' tag was never closed (missing {% endraw %})", at: token.start)
        }
        if range.isEmpty { return (nil, true) }
        return (.text(Bytes.string(bytes, range)), false)
    }

    private func parseLiquid(_ token: TemplateToken) throws(LiquidError) -> (Node?, Bool) {
        var lineTokens: [TemplateToken] = []
        var i = token.content.lowerBound
        let end = token.content.upperBound
        while i < end {
            var lineEnd = i
            while lineEnd < end && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var start = i
            var stop = lineEnd
            while start < stop && Bytes.isSpace(bytes[start]) { start += 1 }
            while stop > start && Bytes.isSpace(bytes[stop - 1]) { stop -= 1 }
            if start < stop {
                var j = start
                if bytes[j] == UInt8(ascii: "#") {
                    j += 1
                } else {
                    while j < stop && Bytes.isWordByte(bytes[j]) { j += 1 }
                }
                guard j > start else { throw error("expected a tag name in 'liquid'", at: start) }
                lineTokens.append(
                    TemplateToken(kind: .tag, start: start, content: j..<stop, name: Bytes.string(bytes, start..<j)))
            }
            i = lineEnd + 1
        }
        let body = try parseLiquidLines(lineTokens)
        return (.group(body.nodes), body.blank)
    }

    private func parseCycle(_ token: TemplateToken) throws(LiquidError) -> Node {
        var parser = try ExpressionParser(self, token.content)
        if parser.atEnd { throw error("'cycle' needs values to cycle through", at: token.start) }
        var group: Expression?
        var valuesStart = parser.current.start
        var values = [try parser.parseExpression()]
        if parser.accept(.colon) {
            group = values[0]
            valuesStart = parser.current.start
            values = [try parser.parseExpression()]
        }
        while parser.accept(.comma) {
            if parser.atEnd { break }
            values.append(try parser.parseExpression())
        }
        try parser.expectEnd("in 'cycle'")
        let key = parser.source(from: valuesStart).filter { !$0.isWhitespace }
        return .cycle(CycleNode(group: group, key: key, values: values, location: location(token.start)))
    }

    private func parsePartial(_ token: TemplateToken, isRender: Bool) throws(LiquidError) -> Node {
        var parser = try ExpressionParser(self, token.content)
        if isRender && parser.current.kind != .string {
            throw parser.unexpected(expecting: "the partial's name in quotes after 'render'")
        }
        if parser.atEnd { throw error("'\(token.name)' needs the name of a partial", at: token.start) }
        let name = try parser.parseExpression()
        var binding: Expression?
        var isLoop = false
        var alias: String?
        if parser.acceptWord("with") {
            binding = try parser.parseExpression()
        } else if parser.acceptWord("for") {
            binding = try parser.parseExpression()
            isLoop = true
        }
        if parser.acceptWord("as") {
            alias = try parser.expect(.identifier, "a variable name after 'as'").text
        }
        var arguments: [FilterCall.Keyword] = []
        while !parser.atEnd {
            if parser.accept(.comma) { continue }
            guard parser.current.kind == .identifier, parser.peek().kind == .colon else {
                throw parser.unexpected(expecting: "'name: value' arguments")
            }
            let argument = parser.advance().text
            parser.advance()
            arguments.append(FilterCall.Keyword(name: argument, value: try parser.parseExpression()))
        }
        let node = PartialNode(
            name: name, binding: binding, isLoop: isLoop, alias: alias, arguments: arguments,
            location: location(token.start))
        return isRender ? .render(node) : .include(node)
    }
}
