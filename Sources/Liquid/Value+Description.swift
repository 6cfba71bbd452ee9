/// How values are named in error messages.
extension Value {
    /// The value as a template author would write it, for error messages.
    var debugDescription: String {
        switch self {
        case .nil: return "nil"
        case .string(let s): return "'\(s)'"
        case .array: return "an array"
        case .object: return "an object"
        default: return liquidString
        }
    }
}
