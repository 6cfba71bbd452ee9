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
