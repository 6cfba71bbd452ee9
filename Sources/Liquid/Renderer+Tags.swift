/// Rendering of the block tags: conditions, loops, cycles and partials.
extension Renderer {
    /// The items a loop visits: array items, object pairs, or a range of integers.
    enum LoopItems {
        case values([Value])
        case pairs(ValueObject)
        case range(start: Int, count: Int)

        /// The number of items.
        var count: Int {
            switch self {
            case .values(let values): return values.count
            case .pairs(let object): return object.count
            case .range(_, let count): return count
            }
        }

        /// The item at `index`.
        func item(at index: Int) -> Value {
            switch self {
            case .values(let values): return values[index]
            case .pairs(let object):
                let pair = object.pair(at: index)
                return .array([.string(pair.key), pair.value])
            case .range(let start, _): return .int(start + index)
            }
        }
    }

    /// The items of a loop over `expression`: arrays, objects (as pairs), ranges, and a non-empty
    /// string as one item; nothing for anything else.
    func loopItems(_ expression: Expression) throws(LiquidError) -> LoopItems {
        if case .range(let low, let high) = expression {
            let (start, count) = try rangeBounds(low, high, capped: false)
            return .range(start: start, count: count)
        }
        switch try evaluate(expression) {
        case .array(let values): return .values(values)
        case .object(let object): return .pairs(object)
        case .string(let string): return .values(string.isEmpty ? [] : [.string(string)])
        default: return .values([])
        }
    }

    /// The innermost running `for` loop, the parent of a new one.
    private var enclosingLoop: LoopState? {
        var i = scope.frames.count - 1
        while i >= 0 {
            if let loop = scope.frames[i].loop, loop.columns == 0, !loop.isPartialLoop { return loop }
            i -= 1
        }
        return nil
    }

    /// `if`/`unless`: renders the first branch whose condition holds.
    func renderConditional(_ node: ConditionalNode) throws(LiquidError) {
        for branch in node.branches {
            if let condition = branch.condition {
                let holds: Bool
                do {
                    holds = try test(condition)
                } catch {
                    throw located(error, node.location)
                }
                guard holds != branch.negated else { continue }
            }
            try render(branch.body)
            return
        }
    }

    /// `case`: renders every matching `when`, and an `else` when nothing before it matched.
    func renderCase(_ node: CaseNode) throws(LiquidError) {
        var elseAllowed = true
        for branch in node.branches {
            if branch.values.isEmpty {
                if elseAllowed { try render(branch.body) }
            } else {
                for value in branch.values {
                    let matches: Bool
                    do {
                        matches = try compare(node.subject, .equal, value)
                    } catch {
                        throw located(error, node.location)
                    }
                    if matches {
                        elseAllowed = false
                        try render(branch.body)
                    }
                    if interrupt != .none { return }
                }
            }
            if interrupt != .none { return }
        }
    }

    /// The first and one-past-last positions a loop visits, after `offset` and `limit`.
    private func segment(_ node: ForNode, count: Int) throws(LiquidError) -> (start: Int, from: Int, end: Int) {
        let from: Int
        switch node.offset {
        case .none: from = 0
        case .continuing: from = scope.loopOffsets[node.name] ?? 0
        case .value(let expression):
            let value = try evaluate(expression)
            if case .nil = value {
                from = 0
            } else if node.columns != nil {
                from = Number.lenientInteger(value)
            } else {
                from = try Number.integer(value, "'offset'")
            }
        }
        var end = count
        if let limitExpression = node.limit {
            let value = try evaluate(limitExpression)
            if case .nil = value {
            } else {
                let limit = node.columns != nil ? Number.lenientInteger(value) : try Number.integer(value, "'limit'")
                end = min(count, from &+ limit)
            }
        }
        let start = min(max(from, 0), count)
        return (start, from, max(end, start))
    }

    /// `for`: renders the body for each item (or the `else` body when there are none).
    func renderFor(_ node: ForNode) throws(LiquidError) {
        let items: LoopItems
        let bounds: (start: Int, from: Int, end: Int)
        do {
            items = try loopItems(node.collection)
            bounds = try segment(node, count: items.count)
        } catch {
            throw located(error, node.location)
        }
        let length = bounds.end - bounds.start
        scope.loopOffsets[node.name] = bounds.from &+ length
        guard length > 0 else {
            try render(node.elseBody)
            return
        }
        let loop = LoopState(name: node.name, length: length, parent: enclosingLoop)
        scope.frames.append(Frame(names: [node.variable], values: [.nil], loop: loop))
        defer { scope.frames.removeLast() }
        let frame = scope.frames.count - 1
        for k in 0..<length {
            try tick(node.location)
            scope.frames[frame].values[0] = items.item(at: node.reversed ? bounds.end - 1 - k : bounds.start + k)
            loop.index0 = k
            try render(node.body)
            // The body's plain text is not checked as it is appended: the last iteration's is here.
            if output.utf8.count > options.maxOutputBytes { throw outputLimit(node.location) }
            if interrupt != .none {
                let stop = interrupt == .breakLoop
                interrupt = .none
                if stop { break }
            }
        }
    }

    /// `tablerow`: renders the body in HTML table cells, `cols` to a row.
    func renderTablerow(_ node: ForNode) throws(LiquidError) {
        let items: LoopItems
        let bounds: (start: Int, from: Int, end: Int)
        var columns: Int
        do {
            if case .range = node.collection {
            } else if case .nil = try evaluate(node.collection) {
                return
            }
            items = try loopItems(node.collection)
            bounds = try segment(node, count: items.count)
            columns = bounds.end - bounds.start
            if let expression = node.columns {
                let value = try evaluate(expression)
                if case .nil = value {} else { columns = Number.lenientInteger(value) }
            }
        } catch {
            throw located(error, node.location)
        }
        let length = bounds.end - bounds.start
        if columns <= 0 { columns = max(length, 1) }
        output.append("<tr class=\"row1\">\n")
        let loop = LoopState(name: node.name, length: length, parent: nil, columns: columns)
        scope.frames.append(Frame(names: [node.variable], values: [.nil], loop: loop))
        defer { scope.frames.removeLast() }
        let frame = scope.frames.count - 1
        for k in 0..<length {
            try tick(node.location)
            scope.frames[frame].values[0] = items.item(at: node.reversed ? bounds.end - 1 - k : bounds.start + k)
            loop.index0 = k
            output.append("<td class=\"col\(k % columns + 1)\">")
            try render(node.body)
            output.append("</td>")
            if output.utf8.count > options.maxOutputBytes { throw outputLimit(node.location) }
            if interrupt != .none {
                let stop = interrupt == .breakLoop
                interrupt = .none
                if stop { break }
            }
            if (k + 1) % columns == 0 && k != length - 1 {
                output.append("</tr>\n<tr class=\"row\((k + 1) / columns + 1)\">")
            }
        }
        output.append("</tr>\n")
    }

    /// `cycle`: outputs the group's next value.
    func renderCycle(_ node: CycleNode) throws(LiquidError) {
        do {
            let key: String
            if let group = node.group {
                key = "group:" + (try evaluate(group)).liquidString
            } else {
                key = "values:" + node.key
            }
            let position = scope.cycles[key] ?? 0
            if position < node.values.count {
                try evaluate(node.values[position]).write(into: &output)
            }
            scope.cycles[key] = position + 1 >= node.values.count ? 0 : position + 1
        } catch {
            throw located(error, node.location)
        }
    }

    /// The partial named by `node`, loaded (and parsed) through the render's loader the first time
    /// this render names it.
    private func partial(_ node: PartialNode) throws(LiquidError) -> (name: String, template: Template) {
        guard case .string(let name) = try evaluate(node.name), !name.isEmpty else {
            throw LiquidError(.argument, "the name of a partial must be a non-empty string")
        }
        guard includeDepth < options.maxIncludeDepth else {
            throw LiquidError(
                .limitExceeded,
                "partials are nested more than \(options.maxIncludeDepth) deep (does '\(name)' include itself?)")
        }
        if let template = loadedPartials[name] { return (name, template) }
        guard let loader = options.loader else {
            throw LiquidError(.templateNotFound, "cannot load the partial '\(name)': no template loader was given")
        }
        guard let template = try loader.template(named: name, options: ParseOptions(strict: options.strict)) else {
            throw LiquidError(.templateNotFound, "there is no partial named '\(name)'")
        }
        loadedPartials[name] = template
        return (name, template)
    }

    /// The keyword arguments of `include` or `render`, evaluated.
    private func arguments(_ node: PartialNode) throws(LiquidError) -> Frame {
        var frame = Frame()
        for argument in node.arguments {
            frame.names.append(argument.name)
            frame.values.append(try evaluate(argument.value))
        }
        return frame
    }

    /// `include`: the partial shares the including template's variables.
    func renderInclude(_ node: PartialNode) throws(LiquidError) {
        let name: String
        let template: Template
        var frame: Frame
        var bound: Value?
        do {
            try tick(node.location)
            (name, template) = try partial(node)
            frame = try arguments(node)
            if let binding = node.binding { bound = try evaluate(binding) }
        } catch {
            throw includedFrom(error, node.location, templateName)
        }
        let savedName = templateName
        templateName = name
        includeDepth += 1
        defer {
            templateName = savedName
            includeDepth -= 1
        }
        let variable = node.alias ?? name
        do {
            if node.isLoop, case .array(let items)? = bound {
                frame.names.append(variable)
                frame.values.append(.nil)
                scope.frames.append(frame)
                defer { scope.frames.removeLast() }
                let index = scope.frames.count - 1
                for item in items {
                    try tick(node.location)
                    scope.frames[index].values[frame.values.count - 1] = item
                    try render(template.nodes)
                    if interrupt != .none { break }
                }
            } else {
                if let bound {
                    frame.names.append(variable)
                    frame.values.append(bound)
                }
                scope.frames.append(frame)
                defer { scope.frames.removeLast() }
                try render(template.nodes)
            }
        } catch {
            throw includedFrom(error, node.location, savedName)
        }
    }

    /// An error from inside a partial, with where the partial was included from.
    private func includedFrom(_ error: LiquidError, _ location: SourceLocation, _ includer: String?) -> LiquidError {
        var error = error
        if error.line == 0 {
            error.templateName = includer
            error.line = Int(location.line)
            error.column = Int(location.column)
        } else {
            let site = (includer.map { "\($0):" } ?? "") + "\(location.line):\(location.column)"
            error.message += " (in a partial included at \(site))"
        }
        return error
    }

    /// `render`: the partial sees only its arguments, in a scope of its own.
    func renderPartial(_ node: PartialNode) throws(LiquidError) {
        let name: String
        let template: Template
        var globals: [String: Value] = [:]
        var bound: Value?
        do {
            try tick(node.location)
            (name, template) = try partial(node)
            for argument in node.arguments { globals[argument.name] = try evaluate(argument.value) }
            if let binding = node.binding { bound = try evaluate(binding) }
        } catch {
            throw includedFrom(error, node.location, templateName)
        }
        let savedScope = scope
        let savedName = templateName
        scope = Scope(data: ValueObject())
        scope.globals = globals
        templateName = name
        includeDepth += 1
        defer {
            scope = savedScope
            templateName = savedName
            includeDepth -= 1
            interrupt = .none
        }
        let variable = node.alias ?? name
        var items: LoopItems?
        if node.isLoop {
            switch bound {
            case .array(let values)?: items = .values(values)
            case .object(let object)?: items = .pairs(object)
            default: break
            }
        }
        do {
            guard let items else {
                if let bound, bound != .nil { scope.globals[variable] = bound }
                try render(template.nodes)
                return
            }
            let loop = LoopState(name: name, length: items.count, parent: nil, isPartialLoop: true)
            for k in 0..<items.count {
                try tick(node.location)
                scope = Scope(data: ValueObject())
                scope.globals = globals
                scope.globals[variable] = items.item(at: k)
                scope.frames = [Frame(loop: loop)]
                loop.index0 = k
                try render(template.nodes)
                interrupt = .none
            }
        } catch {
            throw includedFrom(error, node.location, savedName)
        }
    }
}
