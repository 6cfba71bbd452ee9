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
