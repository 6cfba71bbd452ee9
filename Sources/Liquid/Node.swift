/// A node of a parsed template: text, an output, or a tag. Immutable, so one parse serves many renders.
enum Node: Sendable {
    /// Literal text.
    case text(String)
    /// `{{ expression | filters }}` or `{% echo ... %}`.
    case output(OutputNode)
    /// `{% assign name = expression %}`.
    case assign(AssignNode)
    /// `{% capture name %}...{% endcapture %}`.
    case capture(CaptureNode)
    /// `if`/`elsif`/`else` or `unless`.
    case conditional(ConditionalNode)
    /// `case`/`when`/`else`.
    case caseTag(CaseNode)
    /// `for`.
    case forLoop(ForNode)
    /// `tablerow`.
    case tablerow(ForNode)
    /// `cycle`.
    case cycle(CycleNode)
    /// `increment` (true) or `decrement` (false) of a named counter.
    case counter(name: String, increment: Bool)
    /// `break`.
    case breakLoop
    /// `continue`.
    case continueLoop
    /// `ifchanged`.
    case ifchanged([Node])
    /// `include`.
    case include(PartialNode)
    /// `render`.
    case render(PartialNode)
    /// A group of nodes (the body of `{% liquid %}`).
    case group([Node])
}

/// `{{ expression }}` or `{% echo expression %}`.
final class OutputNode: Sendable {
    /// What to output.
    let expression: FilteredExpression
    /// Where it is in the source.
    let location: SourceLocation

    init(expression: FilteredExpression, location: SourceLocation) {
        self.expression = expression
        self.location = location
    }
}

/// `{% assign name = value %}`.
final class AssignNode: Sendable {
    /// The variable assigned.
    let name: String
    /// The value.
    let value: FilteredExpression
    /// Where it is in the source.
    let location: SourceLocation

    init(name: String, value: FilteredExpression, location: SourceLocation) {
        self.name = name
        self.value = value
        self.location = location
    }
}

/// `{% capture name %}body{% endcapture %}`.
final class CaptureNode: Sendable {
    /// The variable assigned.
    let name: String
    /// What to render into it.
    let body: [Node]

    init(name: String, body: [Node]) {
        self.name = name
        self.body = body
    }
}

/// `if`/`elsif`/`else` and `unless`: the first branch whose condition holds is rendered.
final class ConditionalNode: Sendable {
    /// One branch.
    struct Branch: Sendable {
        /// The condition; nil for `else`.
        let condition: Condition?
        /// Whether the condition is negated (the first branch of `unless`).
        let negated: Bool
        /// What to render.
        let body: [Node]
    }

    /// The branches, in order.
    let branches: [Branch]
    /// Where the tag is in the source.
    let location: SourceLocation

    init(branches: [Branch], location: SourceLocation) {
        self.branches = branches
        self.location = location
    }
}

/// `case`/`when`/`else`, with Shopify semantics: every matching `when` renders, and an `else`
/// renders if no `when` before it matched.
final class CaseNode: Sendable {
    /// A `when` (with values) or an `else` (with none).
    struct Branch: Sendable {
        /// The values compared with the subject; empty for `else`.
        let values: [Expression]
        /// What to render.
        let body: [Node]
    }

    /// The value compared.
    let subject: Expression
    /// The branches, in order.
    let branches: [Branch]
    /// Where the tag is in the source.
    let location: SourceLocation

    init(subject: Expression, branches: [Branch], location: SourceLocation) {
        self.subject = subject
        self.branches = branches
        self.location = location
    }
}

/// `for` and `tablerow` loops.
final class ForNode: Sendable {
    /// Where a loop starts.
    enum Offset: Sendable {
        /// At the start.
        case none
        /// At an index.
        case value(Expression)
        /// Where the last loop with the same variable and collection stopped.
        case continuing
    }

    /// The loop variable.
    let variable: String
    /// What to iterate.
    let collection: Expression
    /// The loop's name (`variable-collection`), for `forloop.name` and `offset: continue`.
    let name: String
    /// The most items to visit.
    let limit: Expression?
    /// Where to start.
    let offset: Offset
    /// Whether to visit the items last to first.
    let reversed: Bool
    /// `tablerow` only: the number of columns.
    let columns: Expression?
    /// What to render for each item.
    let body: [Node]
    /// What to render when there are no items (`for` only).
    let elseBody: [Node]
    /// Where the tag is in the source.
    let location: SourceLocation

    init(
        variable: String, collection: Expression, name: String, limit: Expression?, offset: Offset, reversed: Bool,
        columns: Expression?, body: [Node], elseBody: [Node], location: SourceLocation
    ) {
        self.variable = variable
        self.collection = collection
        self.name = name
        self.limit = limit
        self.offset = offset
        self.reversed = reversed
        self.columns = columns
        self.body = body
        self.elseBody = elseBody
        self.location = location
    }
}

/// `{% cycle 'a', 'b' %}` and `{% cycle group: 'a', 'b' %}`.
final class CycleNode: Sendable {
    /// The group's name, if given; otherwise the values identify the group.
    let group: Expression?
    /// The key of an unnamed group (the values as written).
    let key: String
    /// The values to cycle through.
    let values: [Expression]
    /// Where the tag is in the source.
    let location: SourceLocation

    init(group: Expression?, key: String, values: [Expression], location: SourceLocation) {
        self.group = group
        self.key = key
        self.values = values
        self.location = location
    }
}

/// `include` and `render` of a partial.
final class PartialNode: Sendable {
    /// The partial's name (a string literal, or for `include` any expression).
    let name: Expression
    /// The value of `with` or `for`.
    let binding: Expression?
    /// Whether `for` (iterate the binding) rather than `with`.
    let isLoop: Bool
    /// The variable the binding is given as (`as name`; default the partial's name).
    let alias: String?
    /// Keyword arguments, set as variables in the partial.
    let arguments: [FilterCall.Keyword]
    /// Where the tag is in the source.
    let location: SourceLocation

    init(
        name: Expression, binding: Expression?, isLoop: Bool, alias: String?, arguments: [FilterCall.Keyword],
        location: SourceLocation
    ) {
        self.name = name
        self.binding = binding
        self.isLoop = isLoop
        self.alias = alias
        self.arguments = arguments
        self.location = location
    }
}
