/// A JSON object that remembers the order its keys were first set in.
///
/// Lookup is O(1) on average (a hash map from key to position); setting a new key appends in
/// amortised O(1); removing a key is O(n). Setting an existing key keeps its position.
public struct JSONObject: Sendable, Equatable {
    private var keyList: [String] = []
    private var values: [String: JSONValue] = [:]

    /// An empty object.
    public init() {}

    /// An object with these members, in this order; a repeated key keeps its last value and its
    /// first position.
    public init<S: Sequence>(_ members: S) where S.Element == (String, JSONValue) {
        for (key, value) in members { self[key] = value }
    }

    /// The keys, in insertion order.
    public var keys: [String] { keyList }

    /// The number of members.
    public var count: Int { keyList.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { keyList.isEmpty }

    /// The members, in insertion order.
    public var members: [(key: String, value: JSONValue)] {
        keyList.map { ($0, values[$0]!) }
    }

    /// The value for `key`; setting `nil` removes the key.
    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keyList.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keyList.removeAll { $0 == key }
            }
        }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.values == rhs.values
    }
}
