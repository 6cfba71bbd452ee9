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
