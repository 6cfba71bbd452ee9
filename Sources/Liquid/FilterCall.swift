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
    /// Where the filter's name is in the source.
    let location: SourceLocation
}
