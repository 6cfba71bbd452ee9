/// A Liquid object (a hash): string keys mapped to values, in insertion order.
///
/// Small objects (the common case) are searched linearly; larger ones keep a hash index.
/// Equality ignores key order, as for JSON objects.
public struct ValueObject: Sendable, Equatable {
    private var keyList: [String]
    private var valueList: [Value]
    private var index: [String: Int]?

    /// Objects with more keys than this keep a hash index.
    private static let indexThreshold = 8

    /// An empty object.
    public init() {
        keyList = []
        valueList = []
        index = nil
    }

    /// An object with `pairs` in order; a repeated key keeps its first position and last value.
    public init<S: Sequence>(_ pairs: S) where S.Element == (String, Value) {
        self.init()
        for (key, value) in pairs { self[key] = value }
    }

    /// The value of `key`, or nil; setting nil removes the key.
    public subscript(key: String) -> Value? {
        get {
            guard let position = position(of: key) else { return nil }
            return valueList[position]
        }
        set {
            if let position = position(of: key) {
                if let newValue {
                    valueList[position] = newValue
                } else {
                    keyList.remove(at: position)
                    valueList.remove(at: position)
                    rebuildIndex()
                }
            } else if let newValue {
                keyList.append(key)
                valueList.append(newValue)
                if index != nil {
                    index![key] = keyList.count - 1
                } else if keyList.count > Self.indexThreshold {
                    rebuildIndex()
                }
            }
        }
    }

    /// The keys, in insertion order.
    public var keys: [String] { keyList }

    /// The values, in key order.
    public var values: [Value] { valueList }

    /// The number of keys.
    public var count: Int { keyList.count }

    /// Whether the object has no keys.
    public var isEmpty: Bool { keyList.isEmpty }

    /// The key-value pairs, in insertion order.
    public var pairs: [(key: String, value: Value)] {
        (0..<keyList.count).map { (keyList[$0], valueList[$0]) }
    }

    /// The pair at `offset` in insertion order.
    func pair(at offset: Int) -> (key: String, value: Value) { (keyList[offset], valueList[offset]) }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        for i in 0..<keyList.count where keyList[i] == key { return i }
        return nil
    }

    private mutating func rebuildIndex() {
        guard keyList.count > Self.indexThreshold else {
            index = nil
            return
        }
        var map = [String: Int](minimumCapacity: keyList.count)
        for (i, key) in keyList.enumerated() { map[key] = i }
        index = map
    }

    /// Whether both objects have the same keys with equal values, in any order.
    public static func == (lhs: ValueObject, rhs: ValueObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in 0..<lhs.keyList.count {
            guard let other = rhs[lhs.keyList[i]], other == lhs.valueList[i] else { return false }
        }
        return true
    }
}

/// Objects written as Swift dictionary literals, keeping the order written.
extension ValueObject: ExpressibleByDictionaryLiteral {
    /// An object of the pairs written, in order.
    public init(dictionaryLiteral elements: (String, Value)...) { self.init(elements) }
}
