/// Array filters, with Ruby's semantics: nested arrays are flattened, an object or a scalar
/// counts as an array of one, nil as an empty array.
extension Filters {
    /// The array filters.
    static let arrayFilters: [Filter] = [
        Filter("size") { input, _ in
            switch input {
            case .string(let s): return .int(s.scalarCount)
            case .array(let a): return .int(a.count)
            case .object(let o): return .int(o.count)
            default: return .int(0)
            }
        },
        Filter("first") { input, _ in
            switch input {
            case .array(let a): return a.first ?? .nil
            case .object(let o):
                guard !o.isEmpty else { return .nil }
                let pair = o.pair(at: 0)
                return .array([.string(pair.key), pair.value])
            default: return .nil
            }
        },
        Filter("last") { input, _ in
            if case .array(let a) = input { return a.last ?? .nil }
            return .nil
        },
        Filter("join", arguments: 0...1) { input, args throws(LiquidError) in
            let separator = args.count > 0 ? args[0].liquidString : " "
            let items = input.filterItems
            if items.count > 1 && separator.utf8.count > args.maxBytes / (items.count - 1) {
                throw LiquidError(
                    .limitExceeded, "joining would make a string larger than the limit of \(args.maxBytes) bytes")
            }
            var text = ""
            for (i, item) in items.enumerated() {
                if i > 0 { text += separator }
                item.write(into: &text)
            }
            return .string(text)
        },
        Filter("reverse") { input, _ in .array(input.filterItems.reversed()) },
        Filter("compact", arguments: 0...1) { input, args throws(LiquidError) in
            let items = input.filterItems
            guard args.count > 0, args[0] != .nil else {
                return .array(items.filter { $0 != .nil })
            }
            var kept: [Value] = []
            for item in items where try property(item, args[0]) != .nil { kept.append(item) }
            return .array(kept)
        },
        Filter("concat", arguments: 1...1) { input, args throws(LiquidError) in
            guard case .array(let other) = args[0] else {
                throw LiquidError(.argument, "'concat' needs an array argument, not \(args[0].debugDescription)")
            }
            return .array(input.filterItems + other)
        },
        Filter("map", arguments: 1...1) { input, args throws(LiquidError) in
            var mapped: [Value] = []
            for item in input.filterItems { mapped.append(try property(item, args[0])) }
            return .array(mapped)
        },
        Filter("uniq", arguments: 0...1) { input, args throws(LiquidError) in
            var kept: [Value] = []
            var seen = Set<String>()
            for item in input.filterItems {
                let key = args.count > 0 && args[0] != .nil ? try property(item, args[0]) : item
                if seen.insert(uniqueKey(key)).inserted { kept.append(item) }
            }
            return .array(kept)
        },
        Filter("sort", arguments: 0...1) { input, args throws(LiquidError) in
            try sort(input.filterItems, args.count > 0 ? args[0] : .nil, natural: false)
        },
        Filter("sort_natural", arguments: 0...1) { input, args throws(LiquidError) in
            try sort(input.filterItems, args.count > 0 ? args[0] : .nil, natural: true)
        },
        Filter("sum", arguments: 0...1) { input, args throws(LiquidError) in
            var values: [Value] = []
            for item in input.filterItems {
                if args.count > 0 && args[0] != .nil {
                    switch item.rubyIndex(args[0]) {
                    case .value(let v): values.append(v)
                    case .noMethod: values.append(.int(0))
                    case .typeError: throw propertyError(args[0])
                    }
                } else {
                    values.append(item)
                }
            }
            var total = Value.int(0)
            for value in Value.array(values).filterItems {
                total = try arithmetic(total, Number(value).value, .add)
            }
            return total
        },
        Filter("where", arguments: 1...2) { input, args throws(LiquidError) in
            guard args[0] != .nil else { return .array([]) }
            var kept: [Value] = []
            for item in input.filterItems {
                switch try matches(item, args[0], args.count > 1 ? args[1] : .nil) {
                case true?: kept.append(item)
                case false?: break
                case nil: return .nil
                }
            }
            return .array(kept)
        },
        Filter("reject", arguments: 1...2) { input, args throws(LiquidError) in
            guard args[0] != .nil else { return .array([]) }
            var kept: [Value] = []
            for item in input.filterItems {
                switch try matches(item, args[0], args.count > 1 ? args[1] : .nil) {
                case true?: break
                case false?: kept.append(item)
                case nil: return .nil
                }
            }
            return .array(kept)
        },
        Filter("find", arguments: 1...2) { input, args throws(LiquidError) in
            for item in input.filterItems {
                switch try matches(item, args[0], args.count > 1 ? args[1] : .nil) {
                case true?: return item
                case false?: break
                case nil: return .nil
                }
            }
            return .nil
        },
        Filter("find_index", arguments: 1...2) { input, args throws(LiquidError) in
            for (i, item) in input.filterItems.enumerated() {
                switch try matches(item, args[0], args.count > 1 ? args[1] : .nil) {
                case true?: return .int(i)
                case false?: break
                case nil: return .nil
                }
            }
            return .nil
        },
        Filter("has", arguments: 1...2) { input, args throws(LiquidError) in
            for item in input.filterItems {
                switch try matches(item, args[0], args.count > 1 ? args[1] : .nil) {
                case true?: return .bool(true)
                case false?: break
                case nil: return .nil
                }
            }
            return .bool(false)
        },
    ]

    /// The error for a property that items cannot be indexed by.
    static func propertyError(_ property: Value) -> LiquidError {
        LiquidError(.argument, "cannot select the property \(property.debugDescription) of these items")
    }

    /// `item[property]`, nil for items without properties.
    static func property(_ item: Value, _ property: Value) throws(LiquidError) -> Value {
        switch item.rubyIndex(property) {
        case .value(let value): return value
        case .noMethod: return .nil
        case .typeError: throw propertyError(property)
        }
    }

    /// Whether `item[property]` is truthy (no target) or equals `target`; nil when the item
    /// has no properties at all (which ends the filter with nil, as in Shopify's Liquid).
    static func matches(_ item: Value, _ property: Value, _ target: Value) throws(LiquidError) -> Bool? {
        switch item.rubyIndex(property) {
        case .value(let value):
            if case .nil = target { return value.isTruthy }
            return Value.liquidEqual(value, target)
        case .noMethod: return nil
        case .typeError: throw propertyError(property)
        }
    }

    /// A text that is the same for values `uniq` counts as the same (Ruby's `eql?`: `1` and
    /// `1.0` differ).
    private static func uniqueKey(_ value: Value) -> String {
        var key: String
        switch value {
        case .nil: key = "n"
        case .bool(let b): key = b ? "t" : "f"
        case .int(let i): key = "i" + String(i)
        case .double(let d): key = "d" + Value.formatDouble(d)
        case .string(let s): key = "s" + s
        case .array, .object:
            key = "c"
            value.inspect(into: &key)
        }
        return key
    }

    /// `items` sorted, by `property` if it is not nil; nils go last. `natural` compares the
    /// values as text, ignoring case.
    static func sort(_ items: [Value], _ property: Value, natural: Bool) throws(LiquidError) -> Value {
        var keys: [Value] = []
        keys.reserveCapacity(items.count)
        if case .nil = property {
            keys = items
        } else {
            for item in items {
                switch item.rubyIndex(property) {
                case .value(let v): keys.append(v)
                case .noMethod: return .array(items)
                case .typeError: throw propertyError(property)
                }
            }
        }
        var failed = false
        let order = Array(0..<items.count).sorted { i, j in
            let a = keys[i]
            let b = keys[j]
            if case .nil = a { return false }
            if case .nil = b { return true }
            if natural {
                let x = a.liquidString.lowercased()
                let y = b.liquidString.lowercased()
                return x.utf8.lexicographicallyPrecedes(y.utf8)
            }
            guard let c = Value.liquidCompare(a, b) else {
                failed = true
                return false
            }
            return c < 0
        }
        if failed { throw LiquidError(.argument, "cannot sort values of different kinds (such as numbers and text)") }
        return .array(order.map { items[$0] })
    }
}
