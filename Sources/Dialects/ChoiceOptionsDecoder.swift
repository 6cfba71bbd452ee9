import DeskKit

/// Reads the request-level options of variant choice, shared by the dialects: `lookback_days`,
/// `offset_days`, `epsilon`, `use_cache`, `trace`.
public enum ChoiceOptionsDecoder {
    /// The options in `root`; `useCache` is the dialect's default for `use_cache`. Throws
    /// `INVALID_REQUEST` naming a bad field.
    public static func decode(_ root: JSONObject, useCache: Bool) throws(DeskError) -> ChoiceOptions {
        var options = ChoiceOptions(useCache: useCache)
        func days(_ key: String) throws(DeskError) -> Int? {
            guard let v = root[key], !v.isNull else { return nil }
            guard let n = v.intValue, n >= 0, n <= BanditSettings.maxDays else {
                throw DeskError(
                    .invalidRequest, "\(key) must be a whole number of days from 0 to \(BanditSettings.maxDays)",
                    field: key)
            }
            return n
        }
        func flag(_ key: String) throws(DeskError) -> Bool? {
            guard let v = root[key], !v.isNull else { return nil }
            guard case .bool(let b) = v else {
                throw DeskError(.invalidRequest, "\(key) must be true or false, not \(v.typeName)", field: key)
            }
            return b
        }
        options.lookbackDays = try days("lookback_days")
        options.offsetDays = try days("offset_days")
        if let v = root["epsilon"], !v.isNull {
            guard let e = v.doubleValue, e >= 0, e <= 1 else {
                throw DeskError(.invalidRequest, "epsilon must be a number from 0 to 1", field: "epsilon")
            }
            options.epsilon = e
        }
        if let b = try flag("use_cache") { options.useCache = b }
        if let b = try flag("trace") { options.trace = b }
        return options
    }
}
