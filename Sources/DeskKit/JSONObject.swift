/// A JSON object that remembers the order its keys were first set in.
///
/// Members live in one array in insertion order; an object of more than
/// ``JSONObject/indexThreshold`` members also keeps a hash index from key to position. Lookup is
/// O(1) on average (O(k) for a small object of k ≤ 8 members, faster than hashing at that size);
/// setting a new key appends in amortised O(1); removing a key is O(n). Setting an existing key
/// keeps its position. A small object is a single allocation, so a parsed request of a million
/// items costs about a third of the memory a dictionary per object would.
public struct JSONObject: Sendable, Equatable {
    private var storage: [(key: String, value: JSONValue)] = []
    private var index: [String: Int]?

    /// Objects with more members than this keep a hash index.
    public static let indexThreshold = 8

    /// An empty object.
    public init() {}

    /// An object with these members, in this order; a repeated key keeps its last value and its
    /// first position.
    public init<S: Sequence>(_ members: S) where S.Element == (String, JSONValue) {
        storage.reserveCapacity(members.underestimatedCount)
        for (key, value) in members { self[key] = value }
    }

    /// The keys, in insertion order.
    public var keys: [String] { storage.map(\.key) }

    /// The number of members.
    public var count: Int { storage.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { storage.isEmpty }

    /// The members, in insertion order.
    public var members: [(key: String, value: JSONValue)] { storage }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return storage.firstIndex { $0.key == key }
    }

    /// The value for `key`; setting `nil` removes the key.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { storage[$0].value } }
        set {
            if let newValue {
                if let at = position(of: key) {
                    storage[at].value = newValue
                } else {
                    storage.append((key, newValue))
                    if index != nil {
                        index![key] = storage.count - 1
                    } else if storage.count > Self.indexThreshold {
                        var built: [String: Int] = [:]
                        built.reserveCapacity(storage.count * 2)
                        for (i, member) in storage.enumerated() { built[member.key] = i }
                        index = built
                    }
                }
            } else if let at = position(of: key) {
                storage.remove(at: at)
                if index != nil {
                    var built: [String: Int] = [:]
                    for (i, member) in storage.enumerated() { built[member.key] = i }
                    index = built
                }
            }
        }
    }

    /// Equal when both have the same keys with equal values, whatever their order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs.storage {
            guard let other = rhs[key], other == value else { return false }
        }
        return true
    }
}
