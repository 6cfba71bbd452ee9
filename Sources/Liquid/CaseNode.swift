/// `case`/`when`/`else`, with Shopify semantics: every matching `when` renders, and an `else`
/// renders if no `when` before it matched.
final class CaseNode: Sendable {
    /// A `when` (with values) or an `else` (with none).
    struct Branch: Sendable {
        /// The values compared with the subject; empty for `else`.
        let values: [Expression]
        /// What to render.
        let body: [Node]
    }

    /// The value compared.
    let subject: Expression
    /// The branches, in order.
    let branches: [Branch]
    /// Where the tag is in the source.
    let location: SourceLocation

    init(subject: Expression, branches: [Branch], location: SourceLocation) {
        self.subject = subject
        self.branches = branches
        self.location = location
    }
}
