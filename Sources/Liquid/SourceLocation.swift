/// A place in a template's source: line and column, both from 1.
struct SourceLocation: Sendable {
    /// The line, from 1.
    var line: Int32
    /// The column in characters (Unicode scalars), from 1.
    var column: Int32

    /// The location of nothing in particular.
    static let unknown = SourceLocation(line: 0, column: 0)
}
