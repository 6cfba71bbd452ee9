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
