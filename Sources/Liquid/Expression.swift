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
