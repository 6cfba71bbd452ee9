/// Why a JSON text could not be parsed, and where.
///
/// `line` and `column` are 1-based; the column counts characters (Unicode scalars), not bytes,
/// so it matches what an editor shows. `offset` is the 0-based byte offset of the problem.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, in words a person fixing the file understands.
    public var message: String
    /// The 1-based line of the problem.
    public var line: Int
    /// The 1-based column (in characters) of the problem.
    public var column: Int
    /// The 0-based byte offset of the problem.
    public var offset: Int

    public init(message: String, line: Int, column: Int, offset: Int) {
        self.message = message
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// `line L, column C: message`.
    public var description: String { "line \(line), column \(column): \(message)" }
}
