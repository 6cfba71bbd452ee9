/// An expression followed by filters: `product.title | upcase | append: "!"`.
struct FilteredExpression: Sendable {
    /// The value the filters start from.
    let base: Expression
    /// The filters, applied left to right.
    let filters: [FilterCall]
}
