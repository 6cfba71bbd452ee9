/// An expression: a literal, a variable path, or a range, before any filters.
indirect enum Expression: Sendable {
    /// A literal value (`'text'`, `42`, `1.5`, `true`, `nil`).
    case literal(Value)
    /// The special `blank`: equal to nil, false, and empty or white-space strings, arrays and objects.
    case blank
    /// The special `empty`: equal to empty strings, arrays and objects.
    case empty
    /// A variable, maybe with properties and indexes (`product.tags[0]`).
    case path(VariablePath)
    /// A range of integers (`(1..5)`, `(1..n)`).
    case range(Expression, Expression)
}

/// A variable reference such as `a.b[0]["c"]`, resolved segment by segment at render time.
final class VariablePath: Sendable {
    /// Where a path starts.
    enum Root: Sendable {
        /// A name (`product`).
        case name(String)
        /// A name computed at render time (`[key]`).
        case dynamic(Expression)
    }

    /// One step along a path.
    enum Segment: Sendable {
        /// A property (`.title`, `["title"]`).
        case key(String)
        /// An array index (`[0]`, `[-1]`).
        case index(Int)
        /// A property or index computed at render time (`[i]`).
        case dynamic(Expression)
    }

    /// Where the path starts.
    let root: Root
    /// The steps after the root.
    let segments: [Segment]
    /// The path as written, for error messages.
    let source: String

    /// A path from `root` through `segments`, written as `source`.
    init(root: Root, segments: [Segment], source: String) {
        self.root = root
        self.segments = segments
        self.source = source
    }
}

/// An expression followed by filters: `product.title | upcase | append: "!"`.
struct FilteredExpression: Sendable {
    /// The value the filters start from.
    let base: Expression
    /// The filters, applied left to right.
    let filters: [FilterCall]
}

/// A filter applied with its arguments, resolved when the template is parsed.
struct FilterCall: Sendable {
    /// A `name: value` argument.
    struct Keyword: Sendable {
        /// The argument's name.
        let name: String
        /// The argument's value.
        let value: Expression
    }

    /// The filter's name, as written.
    let name: String
    /// The filter, or nil if no filter has that name (lax mode passes the input through).
    let filter: Filter?
    /// Positional arguments.
    let arguments: [Expression]
    /// Keyword arguments.
    let keywords: [Keyword]
}

/// A comparison operator of `if`, `unless` and `elsif`.
enum ComparisonOperator: Sendable {
    case equal, notEqual, less, greater, lessOrEqual, greaterOrEqual, contains
}

/// A condition of `if`, `unless` and `elsif`; `and` and `or` group from the right, as in Shopify's Liquid.
indirect enum Condition: Sendable {
    /// The truth of a value (everything but nil and false is true).
    case truthy(Expression)
    /// A comparison.
    case compare(Expression, ComparisonOperator, Expression)
    /// Both conditions.
    case and(Condition, Condition)
    /// Either condition.
    case or(Condition, Condition)
}
