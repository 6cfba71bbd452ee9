/// `if`/`elsif`/`else` and `unless`: the first branch whose condition holds is rendered.
final class ConditionalNode: Sendable {
    /// One branch.
    struct Branch: Sendable {
        /// The condition; nil for `else`.
        let condition: Condition?
        /// Whether the condition is negated (the first branch of `unless`).
        let negated: Bool
        /// What to render.
        let body: [Node]
    }

    /// The branches, in order.
    let branches: [Branch]
    /// Where the tag is in the source.
    let location: SourceLocation

    init(branches: [Branch], location: SourceLocation) {
        self.branches = branches
        self.location = location
    }
}
