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
