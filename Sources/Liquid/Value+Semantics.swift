/// Liquid's (Ruby's) view of values: truth, emptiness, equality, order, and indexing.
extension Value {
    /// Whether the value counts as true: everything but nil and false.
    @inline(__always)
    var isTruthy: Bool {
        switch self {
        case .nil: return false
        case .bool(let b): return b
        default: return true
        }
    }

    /// Whether the value equals the special `empty`: an empty string, array or object.
    var isEmptyValue: Bool {
        switch self {
        case .string(let s): return s.isEmpty
        case .array(let a): return a.isEmpty
        case .object(let o): return o.isEmpty
        default: return false
        }
    }

    /// Whether the value equals the special `blank`: nil, false, or an empty or white-space
    /// string, an empty array or object.
    var isBlankValue: Bool {
        switch self {
        case .nil: return true
        case .bool(let b): return !b
        case .string(let s): return s.utf8.allSatisfy(Bytes.isSpace)
        case .array(let a): return a.isEmpty
        case .object(let o): return o.isEmpty
        default: return false
        }
    }

    /// Liquid equality: numbers compare by value (`1 == 1.0`), other kinds only with their own kind.
    static func liquidEqual(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.nil, .nil): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.int(let x), .double(let y)): return Double(x) == y
        case (.double(let x), .int(let y)): return x == Double(y)
        case (.double(let x), .double(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            for i in 0..<x.count where !liquidEqual(x[i], y[i]) { return false }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (key, value) in x.pairs {
                guard let other = y[key], liquidEqual(value, other) else { return false }
            }
            return true
        default: return false
        }
    }

    /// Liquid order: numbers by value, strings byte by byte, arrays element by element;
    /// nil when the two cannot be compared.
    static func liquidCompare(_ a: Value, _ b: Value) -> Int? {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.int(let x), .double(let y)): return compareDoubles(Double(x), y)
        case (.double(let x), .int(let y)): return compareDoubles(x, Double(y))
        case (.double(let x), .double(let y)): return compareDoubles(x, y)
        case (.string(let x), .string(let y)):
            if x == y { return 0 }
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
        case (.array(let x), .array(let y)):
            for i in 0..<min(x.count, y.count) {
                guard let c = liquidCompare(x[i], y[i]) else { return nil }
                if c != 0 { return c }
            }
            return x.count < y.count ? -1 : (x.count > y.count ? 1 : 0)
        default: return nil
        }
    }

    private static func compareDoubles(_ x: Double, _ y: Double) -> Int? {
        if x < y { return -1 }
        if x > y { return 1 }
        if x == y { return 0 }
        return nil
    }

    /// Whether `self` contains `item`: a substring, an array element, or an object key.
    func liquidContains(_ item: Value) -> Bool {
        guard item.isTruthy else { return false }
        switch self {
        case .string(let s):
            return ByteSearch.contains(s, item.liquidString)
        case .array(let a): return a.contains { Value.liquidEqual($0, item) }
        case .object(let o):
            guard case .string(let key) = item else { return false }
            return o[key] != nil
        default: return false
        }
    }

    /// The outcome of Ruby's `item[property]`, which filters such as `map` and `where` use.
    enum IndexResult {
        /// A value (maybe nil).
        case value(Value)
        /// The item has no `[]` (nil, booleans, floats).
        case noMethod
        /// The item has `[]` but not for this kind of property (an integer indexed by a string).
        case typeError
    }

    /// Ruby's `self[property]`: object members, array elements, substrings.
    func rubyIndex(_ property: Value) -> IndexResult {
        switch self {
        case .object(let o):
            if case .string(let key) = property { return .value(o[key] ?? .nil) }
            return .value(.nil)
        case .array(let a):
            guard case .int(let i) = property else { return .typeError }
            let j = i < 0 ? a.count + i : i
            return .value(j >= 0 && j < a.count ? a[j] : .nil)
        case .string(let s):
            switch property {
            case .string(let sub): return .value(ByteSearch.contains(s, sub) ? .string(sub) : .nil)
            case .int(let i):
                let count = s.scalarCount
                let j = i < 0 ? count + i : i
                return .value(j >= 0 && j < count ? .string(s.scalarSlice(j..<(j + 1))) : .nil)
            default: return .typeError
            }
        case .int:
            if case .int = property { return .value(.int(0)) }
            return .typeError
        default: return .noMethod
        }
    }

    /// The items filters work on (Ruby's `InputIterator`): arrays flattened, nil as nothing,
    /// anything else as a single item.
    var filterItems: [Value] {
        switch self {
        case .nil: return []
        case .array(let a):
            guard a.contains(where: { if case .array = $0 { return true } else { return false } }) else { return a }
            var flat: [Value] = []
            Value.flatten(a, into: &flat)
            return flat
        default: return [self]
        }
    }

    private static func flatten(_ items: [Value], into flat: inout [Value]) {
        for item in items {
            if case .array(let inner) = item { flatten(inner, into: &flat) } else { flat.append(item) }
        }
    }
}
