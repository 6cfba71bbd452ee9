/// The `date` filter.
extension Filters {
    /// The `date` filter.
    static let dateFilters: [Filter] = [
        Filter("date", arguments: 1...1) { input, args in
            let format = args[0].liquidString
            if format.isEmpty { return input }
            guard let date = DateTime(input) else { return input }
            return .string(date.format(format))
        }
    ]
}
