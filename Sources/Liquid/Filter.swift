/// A filter: its name, how many arguments it takes, and what it does.
struct Filter: Sendable {
    /// What a filter function receives besides its input.
    typealias Function = @Sendable (Value, FilterArguments) throws(LiquidError) -> Value

    /// The filter's name.
    let name: String
    /// The fewest positional arguments.
    let minArguments: Int
    /// The most positional arguments.
    let maxArguments: Int
    /// The keyword arguments it accepts.
    let keywords: [String]
    /// The filter itself.
    let apply: Function

    init(_ name: String, arguments: ClosedRange<Int> = 0...0, keywords: [String] = [], _ apply: @escaping Function) {
        self.name = name
        self.minArguments = arguments.lowerBound
        self.maxArguments = arguments.upperBound
        self.keywords = keywords
        self.apply = apply
    }
}

/// The evaluated arguments of one filter application.
struct FilterArguments {
    /// Positional arguments.
    let positional: [Value]
    /// Keyword arguments, if any.
    let keywords: [(String, Value)]
    /// The most bytes a string or array built by a filter may have.
    let maxBytes: Int

    /// The positional argument at `index`, or nil when absent.
    subscript(index: Int) -> Value {
        index < positional.count ? positional[index] : .nil
    }

    /// The number of positional arguments given.
    var count: Int { positional.count }

    /// The keyword argument `name`, if given.
    func keyword(_ name: String) -> Value? {
        keywords.last(where: { $0.0 == name })?.1
    }
}

/// The standard filters, by name.
enum Filters {
    /// Every filter, by name.
    static let table: [String: Filter] = {
        var table: [String: Filter] = [:]
        for filter in stringFilters + mathFilters + arrayFilters + encodingFilters + dateFilters {
            table[filter.name] = filter
        }
        return table
    }()

    /// The filter named `name`, if there is one.
    static func named(_ name: String) -> Filter? { table[name] }
}
