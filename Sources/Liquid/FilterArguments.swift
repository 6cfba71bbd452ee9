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
