/// One piece of a template: literal text, an output `{{ ... }}`, or a tag `{% ... %}`.
struct TemplateToken {
    /// The three kinds of token.
    enum Kind { case text, output, tag }

    /// What the token is.
    var kind: Kind
    /// The byte offset where the token starts (its `{{` or `{%`, or its first character).
    var start: Int
    /// The text (after whitespace control), the output's expression, or the tag's markup after its name.
    var content: Range<Int>
    /// The tag's name (`if`, `endfor`, `#`...); empty for text and output.
    var name: String = ""
}
