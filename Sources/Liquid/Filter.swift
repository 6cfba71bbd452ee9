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
