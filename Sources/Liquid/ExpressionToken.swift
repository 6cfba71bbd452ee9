/// A token of tag markup or an output expression.
struct ExpressionToken {
    /// The kinds of token.
    enum Kind: Equatable {
        case identifier, string, integer, float
        case dot, dotDot, leftBracket, rightBracket, leftParen, rightParen
        case pipe, colon, comma, comparison, assign, end
    }

    /// What the token is.
    let kind: Kind
    /// The identifier, the string's content (without quotes), the number or the operator.
    let text: String
    /// The byte offset where the token starts in the template source.
    let start: Int
    /// The byte offset just after the token.
    let end: Int
}
