extension JSONValue {
    /// One step of the way down to a value: an array index or a member name.
    private enum Step {
        case index(Int)
        case member(String)
    }

    /// The first string (or member name) longer than `maxBytes` in UTF-8, as the path of its
    /// field (`items[3].fields.bio`) and its length, or `nil` when every string fits.
    ///
    /// Depth-first in document order; O(n) in the tree, recursion as deep as the tree (which the
    /// parser bounds). The way down is kept as a stack of steps and spelled out only for the
    /// string that is too long, so a request where everything fits costs no string building.
    public func firstString(longerThan maxBytes: Int, path: String = "") -> (field: String, bytes: Int)? {
        var steps: [Step] = []
        guard let (inName, bytes) = firstLong(maxBytes, &steps) else { return nil }
        var field = path
        for step in steps {
            switch step {
            case .index(let i): field += "[\(i)]"
            case .member(let key): field += field.isEmpty ? key : "." + key
            }
        }
        if inName { return (field.isEmpty ? "a member name" : "a member name in \(field)", bytes) }
        return (field.isEmpty ? "the document" : field, bytes)
    }

    /// The length of the first string over `maxBytes`, whether it is a member name, with
    /// `steps` the way to it (to the object holding it, for a member name).
    private func firstLong(_ maxBytes: Int, _ steps: inout [Step]) -> (inName: Bool, bytes: Int)? {
        switch self {
        case .string(let s):
            let count = s.utf8.count
            return count > maxBytes ? (false, count) : nil
        case .array(let elements):
            for (i, element) in elements.enumerated() {
                steps.append(.index(i))
                if let found = element.firstLong(maxBytes, &steps) { return found }
                steps.removeLast()
            }
            return nil
        case .object(let object):
            for (key, value) in object.members {
                if key.utf8.count > maxBytes { return (true, key.utf8.count) }
                steps.append(.member(key))
                if let found = value.firstLong(maxBytes, &steps) { return found }
                steps.removeLast()
            }
            return nil
        default:
            return nil
        }
    }

    /// Throws `INVALID_REQUEST` naming the field when a string of the request is longer than
    /// `maxBytes` (`limits.max_string_bytes`). O(n) in the tree.
    public func checkStringLengths(maxBytes: Int) throws(DeskError) {
        guard let (field, bytes) = firstString(longerThan: maxBytes) else { return }
        throw DeskError(
            .invalidRequest,
            "\(field) is \(bytes) bytes long; the limit is \(maxBytes) bytes (limits.max_string_bytes in copydesk.json): shorten it",
            field: field)
    }
}
