/// A Liquid value: what template variables hold and what expressions produce.
///
/// The shape of JSON, plus the distinction between integers and floats that Liquid's arithmetic
/// keeps (Ruby semantics: `10 | divided_by: 4` is `2`, `10.0 | divided_by: 4` is `2.5`).
/// Ranges such as `(1..5)` become arrays of integers when they are stored.
public enum Value: Sendable, Equatable {
    /// Nothing: an undefined variable, JSON `null`, the literal `nil`.
    case `nil`
    /// `true` or `false`.
    case bool(Bool)
    /// An integer.
    case int(Int)
    /// A floating-point number.
    case double(Double)
    /// A string.
    case string(String)
    /// An ordered list of values.
    case array([Value])
    /// A map from string keys to values that keeps insertion order.
    case object(ValueObject)
}

/// Values written as Swift literals: `"text"`, `42`, `1.5`, `true`, `[1, 2]`, `["key": 1]`.
extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// A string value.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer value.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A floating-point value.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A boolean value.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array value.
    public init(arrayLiteral elements: Value...) { self = .array(elements) }
    /// An object value; keys keep the order written.
    public init(dictionaryLiteral elements: (String, Value)...) { self = .object(ValueObject(elements)) }
}
