/// Renders nodes into one output buffer, keeping the variables, counters and limits of one render.
final class Renderer {
    /// What stops a loop body early.
    enum Interrupt {
        case none, breakLoop, continueLoop
    }

    /// A variable scope pushed by a loop or a partial.
    struct Frame {
        /// Names of the variables the frame holds.
        var names: [String] = []
        /// Their values.
        var values: [Value] = []
        /// The loop the frame belongs to, if any.
        var loop: LoopState?
    }

    /// Everything a render can see and change; `render` swaps in a fresh one for its partial.
    struct Scope {
        /// Loop and partial scopes, innermost last.
        var frames: [Frame] = []
        /// Variables set by `assign` and `capture`.
        var globals: [String: Value] = [:]
        /// Counters of `increment` and `decrement`.
        var counters: [String: Int] = [:]
        /// The variables the render was given.
        var data: ValueObject
        /// Positions of `cycle` groups.
        var cycles: [String: Int] = [:]
        /// Where loops stopped, for `offset: continue`.
        var loopOffsets: [String: Int] = [:]
        /// The last output of `ifchanged`.
        var lastChanged: String?
    }

    /// Where a variable path stands while it is resolved.
    enum Cursor {
        /// A value.
        case value(Value)
        /// A loop (`forloop`), whose properties are computed.
        case loop(LoopState)
    }

    /// The output so far.
    var output = ""
    /// The variables and state of the template (or isolated partial) being rendered.
    var scope: Scope
    /// Strictness, loader and limits.
    let options: RenderOptions
    /// The name of the template (or partial) being rendered, for errors.
    var templateName: String?
    /// A `break` or `continue` on its way to its loop.
    var interrupt = Interrupt.none
    /// Loop iterations so far.
    var iterations = 0
    /// Work done so far, in steps: a loop iteration or partial, a filter application (more for a
    /// large input or result), an output (`{{ }}`; plain text is not counted: it is cheap, and
    /// bounded by the output limit). The clock is read when it reaches `nextDeadlineCheck`.
    var steps = 0
    /// The step count at which the clock is read next.
    var nextDeadlineCheck = Renderer.stepsBetweenDeadlineChecks
    /// Steps between two readings of the clock: few enough that no run of them takes long.
    static let stepsBetweenDeadlineChecks = 256
    /// How many partials deep the render is.
    var includeDepth = 0
    /// The partials this render has loaded, by name: each is looked up through the loader (a
    /// `stat` for a file) once per render, however often a loop includes it.
    var loadedPartials: [String: Template] = [:]
    /// How many bodies deep the render is (blocks within blocks, across partials).
    var nesting = 0
    /// The deepest nesting of bodies a render allows, so the stack cannot overflow.
    static let maxNesting = 400
    /// When the render must stop.
    let deadline: ContinuousClock.Instant

    init(variables: ValueObject, options: RenderOptions, templateName: String?) {
        scope = Scope(data: variables)
        self.options = options
        self.templateName = templateName
        deadline = ContinuousClock.now.advanced(by: options.maxRenderTime)
    }

    /// Renders `nodes` in order, stopping at a `break` or `continue`.
    func render(_ nodes: [Node]) throws(LiquidError) {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Renderer.maxNesting {
            throw LiquidError(.limitExceeded, "blocks and partials are nested more than \(Renderer.maxNesting) deep")
        }
        for node in nodes {
            switch node {
            case .text(let text):
                output.append(text)
            case .output(let node):
                do {
                    try evaluate(node.expression).write(into: &output)
                } catch {
                    throw located(error, node.location)
                }
                if output.utf8.count > options.maxOutputBytes { throw outputLimit(node.location) }
                try step(1, node.location)
            case .assign(let node):
                do {
                    scope.globals[node.name] = try evaluate(node.value)
                } catch {
                    throw located(error, node.location)
                }
            case .capture(let node):
                scope.globals[node.name] = .string(try capture(node.body))
            case .conditional(let node): try renderConditional(node)
            case .caseTag(let node): try renderCase(node)
            case .forLoop(let node): try renderFor(node)
            case .tablerow(let node): try renderTablerow(node)
            case .cycle(let node): try renderCycle(node)
            case .counter(let name, let increment):
                let value = scope.counters[name] ?? 0
                if increment {
                    output.append(String(value))
                    scope.counters[name] = value + 1
                } else {
                    output.append(String(value - 1))
                    scope.counters[name] = value - 1
                }
            case .breakLoop: interrupt = .breakLoop
            case .continueLoop: interrupt = .continueLoop
            case .ifchanged(let body):
                let text = try capture(body)
                if text != scope.lastChanged {
                    scope.lastChanged = text
                    output.append(text)
                }
            case .include(let node): try renderInclude(node)
            case .render(let node): try renderPartial(node)
            case .group(let nodes): try render(nodes)
            }
            if interrupt != .none { return }
        }
    }

    /// Renders `nodes` into a string of their own.
    func capture(_ nodes: [Node]) throws(LiquidError) -> String {
        var captured = ""
        swap(&captured, &output)
        defer { swap(&captured, &output) }
        try render(nodes)
        return output
    }

    /// `error` placed at `location` of the template being rendered, unless it has a place already.
    func located(_ error: LiquidError, _ location: SourceLocation) -> LiquidError {
        guard error.line == 0 else { return error }
        var error = error
        error.templateName = templateName
        error.line = Int(location.line)
        error.column = Int(location.column)
        return error
    }

    /// The error for output grown past the limit.
    func outputLimit(_ location: SourceLocation) -> LiquidError {
        located(outputLimitExceeded(), location)
    }

    /// The error for output grown past the limit, where no tag is to blame (plain text).
    func outputLimitExceeded() -> LiquidError {
        LiquidError(.limitExceeded, "the output is larger than the limit of \(options.maxOutputBytes) bytes")
    }

    /// Counts a loop iteration; fails when a limit (iterations, output size, time) is passed.
    @inline(__always)
    func tick(_ location: SourceLocation) throws(LiquidError) {
        iterations += 1
        if iterations > options.maxLoopIterations {
            throw located(
                LiquidError(
                    .limitExceeded,
                    "the template ran more than \(options.maxLoopIterations) loop iterations and partials (the limit)"),
                location)
        }
        if output.utf8.count > options.maxOutputBytes { throw outputLimit(location) }
        try step(1, location)
    }

    /// Counts `cost` steps of work; every ``stepsBetweenDeadlineChecks`` of them, fails if the
    /// render has run past its time limit.
    @inline(__always)
    func step(_ cost: Int, _ location: SourceLocation) throws(LiquidError) {
        steps &+= cost
        if steps >= nextDeadlineCheck { try checkDeadline(location) }
    }

    /// Fails if the render has run past its time limit; schedules the next check.
    func checkDeadline(_ location: SourceLocation) throws(LiquidError) {
        nextDeadlineCheck = steps &+ Renderer.stepsBetweenDeadlineChecks
        if ContinuousClock.now > deadline {
            throw located(
                LiquidError(.limitExceeded, "rendering took longer than the limit of \(options.maxRenderTime)"),
                location)
        }
    }

    /// The steps a filter's work on `value` counts for beyond the first: one per KiB of a string,
    /// one per 64 items of an array, so a filter over a large value brings the next look at the
    /// clock nearer. O(1).
    @inline(__always)
    static func weight(_ value: Value) -> Int {
        switch value {
        case .string(let s): return s.utf8.count >> 10
        case .array(let a): return a.count >> 6
        default: return 0
        }
    }

    // MARK: Expressions

    /// The value of an expression and its filters.
    func evaluate(_ expression: FilteredExpression) throws(LiquidError) -> Value {
        var value = try evaluate(expression.base)
        for call in expression.filters { value = try apply(call, to: value) }
        return value
    }

    /// The value of an expression.
    func evaluate(_ expression: Expression) throws(LiquidError) -> Value {
        switch expression {
        case .literal(let value): return value
        case .path(let path): return try resolve(path)
        case .blank, .empty: return .string("")
        case .range(let low, let high):
            let (start, count) = try rangeBounds(low, high)
            var items: [Value] = []
            items.reserveCapacity(count)
            for i in 0..<count { items.append(.int(start + i)) }
            return .array(items)
        }
    }

    /// The first integer and the length of a range `(low..high)`; a range to be stored
    /// (`capped`) may not be longer than the iteration limit.
    func rangeBounds(_ low: Expression, _ high: Expression, capped: Bool = true) throws(LiquidError) -> (Int, Int) {
        let start = Number.lenientInteger(try evaluate(low))
        let end = Number.lenientInteger(try evaluate(high))
        guard end >= start else { return (start, 0) }
        let (span, overflow) = end.subtractingReportingOverflow(start)
        guard !overflow, span < Int.max, !capped || span < options.maxLoopIterations else {
            throw LiquidError(.limitExceeded, "the range (\(start)..\(end)) is too large")
        }
        return (start, span + 1)
    }

    /// The result of applying a filter to `value`.
    func apply(_ call: FilterCall, to value: Value) throws(LiquidError) -> Value {
        guard let filter = call.filter else {
            if options.strict {
                throw located(LiquidError(.undefinedFilter, "unknown filter '\(call.name)'"), call.location)
            }
            return value
        }
        var arguments: [Value] = []
        arguments.reserveCapacity(call.arguments.count)
        for argument in call.arguments { arguments.append(try evaluate(argument)) }
        var keywords: [(String, Value)] = []
        for keyword in call.keywords { keywords.append((keyword.name, try evaluate(keyword.value))) }
        let result: Value
        do {
            result = try filter.apply(
                value, FilterArguments(positional: arguments, keywords: keywords, maxBytes: options.maxOutputBytes))
        } catch {
            throw located(error, call.location)
        }
        switch result {
        case .string(let s) where s.utf8.count > options.maxOutputBytes:
            throw located(
                LiquidError(
                    .limitExceeded,
                    "'\(call.name)' made a string larger than the limit of \(options.maxOutputBytes) bytes"),
                call.location)
        case .array(let a) where a.count > options.maxOutputBytes / 16:
            throw located(
                LiquidError(.limitExceeded, "'\(call.name)' made an array with too many items (\(a.count))"),
                call.location)
        default:
            try step(1 &+ Renderer.weight(value) &+ Renderer.weight(result), call.location)
            return result
        }
    }

    /// The value of a variable path; nil (or an error in strict mode) when it is undefined.
    func resolve(_ path: VariablePath) throws(LiquidError) -> Value {
        var cursor: Cursor?
        switch path.root {
        case .name(let name): cursor = lookup(name)
        case .dynamic(let expression):
            if case .string(let name) = try evaluate(expression) { cursor = lookup(name) }
        }
        for segment in path.segments {
            guard let at = cursor else { break }
            switch at {
            case .loop(let loop):
                switch segment {
                case .key(let key): cursor = loop.member(key)
                case .dynamic(let expression):
                    if case .string(let key) = try evaluate(expression) {
                        cursor = loop.member(key)
                    } else {
                        cursor = nil
                    }
                case .index: cursor = nil
                }
            case .value(let value):
                switch segment {
                case .key(let key): cursor = member(value, key)
                case .index(let i): cursor = element(value, i)
                case .dynamic(let expression):
                    switch try evaluate(expression) {
                    case .string(let key): cursor = member(value, key)
                    case .int(let i): cursor = element(value, i)
                    case .double(let d) where d == d.rounded() && abs(d) < 1e15: cursor = element(value, Int(d))
                    default: cursor = nil
                    }
                }
            }
        }
        switch cursor {
        case .value(let value)?: return value
        case .loop(let loop)?: return loop.objectValue
        case nil:
            if options.strict {
                throw located(LiquidError(.undefinedVariable, "undefined variable '\(path.source)'"), path.location)
            }
            return .nil
        }
    }

    /// The variable `name`: innermost loop or partial scope first, then assigned variables,
    /// counters, and the render's variables.
    func lookup(_ name: String) -> Cursor? {
        var i = scope.frames.count - 1
        while i >= 0 {
            if let j = scope.frames[i].names.firstIndex(of: name) { return .value(scope.frames[i].values[j]) }
            if let loop = scope.frames[i].loop, loop.variable == name { return .loop(loop) }
            i -= 1
        }
        if !scope.globals.isEmpty, let value = scope.globals[name] { return .value(value) }
        if !scope.counters.isEmpty, let count = scope.counters[name] { return .value(.int(count)) }
        if let value = scope.data[name] { return .value(value) }
        return nil
    }

    /// The property `key` of `value`, including `size`, `first` and `last` of arrays (and `size`
    /// and `first` of objects, unless they have such keys).
    func member(_ value: Value, _ key: String) -> Cursor? {
        switch value {
        case .object(let object):
            if let member = object[key] { return .value(member) }
            switch key {
            case "size": return .value(.int(object.count))
            case "first":
                guard !object.isEmpty else { return .value(.nil) }
                let pair = object.pair(at: 0)
                return .value(.array([.string(pair.key), pair.value]))
            default: return nil
            }
        case .array(let array):
            switch key {
            case "size": return .value(.int(array.count))
            case "first": return .value(array.first ?? .nil)
            case "last": return .value(array.last ?? .nil)
            default: return nil
            }
        case .string(let string):
            return key == "size" ? .value(.int(string.scalarCount)) : nil
        default: return nil
        }
    }

    /// The item at `index` of an array (negative counts from the end); nil past either end.
    func element(_ value: Value, _ index: Int) -> Cursor? {
        guard case .array(let array) = value else { return nil }
        let i = index < 0 ? array.count + index : index
        return .value(i >= 0 && i < array.count ? array[i] : .nil)
    }

    // MARK: Conditions

    /// Whether `condition` holds.
    func test(_ condition: Condition) throws(LiquidError) -> Bool {
        var condition = condition
        while true {
            switch condition {
            case .truthy(let expression): return try evaluate(expression).isTruthy
            case .compare(let left, let op, let right): return try compare(left, op, right)
            case .and(let left, let right):
                guard try test(left) else { return false }
                condition = right
            case .or(let left, let right):
                if try test(left) { return true }
                condition = right
            }
        }
    }

    /// Whether `left op right` holds, with the special `blank` and `empty` on either side.
    func compare(_ left: Expression, _ op: ComparisonOperator, _ right: Expression) throws(LiquidError) -> Bool {
        if op == .equal || op == .notEqual {
            let special: Bool?
            switch (left, right) {
            case (.blank, .blank), (.empty, .empty), (.blank, .empty), (.empty, .blank): special = false
            case (.blank, _): special = try evaluate(right).isBlankValue
            case (_, .blank): special = try evaluate(left).isBlankValue
            case (.empty, _): special = try evaluate(right).isEmptyValue
            case (_, .empty): special = try evaluate(left).isEmptyValue
            default: special = nil
            }
            let equal: Bool
            if let special {
                equal = special
            } else {
                let a = try evaluate(left)
                let b = try evaluate(right)
                equal = Value.liquidEqual(a, b)
            }
            return op == .equal ? equal : !equal
        }
        switch (left, right) {
        case (.blank, _), (.empty, _), (_, .blank), (_, .empty):
            if op != .contains { return false }
        default: break
        }
        let a = try evaluate(left)
        let b = try evaluate(right)
        switch op {
        case .contains: return a.liquidContains(b)
        case .less: return Value.liquidCompare(a, b).map { $0 < 0 } ?? false
        case .greater: return Value.liquidCompare(a, b).map { $0 > 0 } ?? false
        case .lessOrEqual: return Value.liquidCompare(a, b).map { $0 <= 0 } ?? false
        case .greaterOrEqual: return Value.liquidCompare(a, b).map { $0 >= 0 } ?? false
        case .equal, .notEqual: return false
        }
    }
}
