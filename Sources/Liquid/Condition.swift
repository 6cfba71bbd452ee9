/// A condition of `if`, `unless` and `elsif`; `and` and `or` group from the right, as in Shopify's Liquid.
indirect enum Condition: Sendable {
    /// The truth of a value (everything but nil and false is true).
    case truthy(Expression)
    /// A comparison.
    case compare(Expression, ComparisonOperator, Expression)
    /// Both conditions.
    case and(Condition, Condition)
    /// Either condition.
    case or(Condition, Condition)
}
