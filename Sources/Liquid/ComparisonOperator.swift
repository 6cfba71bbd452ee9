/// A comparison operator of `if`, `unless` and `elsif`.
enum ComparisonOperator: Sendable {
    case equal, notEqual, less, greater, lessOrEqual, greaterOrEqual, contains
}
