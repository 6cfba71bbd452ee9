extension JSONValue {
    /// The first string (or member name) longer than `maxBytes` in UTF-8, as the path of its
    /// field (`items[3].fields.bio`) and its length, or `nil` when every string fits.
    ///
    /// Depth-first in document order; O(n) in the tree, recursion as deep as the tree (which the
    /// parser bounds).
    public func firstString(longerThan maxBytes: Int, path: String = "") -> (field: String, bytes: Int)? {
        switch self {
        case .string(let s):
            let count = s.utf8.count
            return count > maxBytes ? (path.isEmpty ? "the document" : path, count) : nil
        case .array(let elements):
            for (i, element) in elements.enumerated() {
                if let found = element.firstString(longerThan: maxBytes, path: "\(path)[\(i)]") { return found }
            }
            return nil
        case .object(let object):
            for (key, value) in object.members {
                let field = path.isEmpty ? key : "\(path).\(key)"
                if key.utf8.count > maxBytes {
                    return (path.isEmpty ? "a member name" : "a member name in \(path)", key.utf8.count)
                }
                if let found = value.firstString(longerThan: maxBytes, path: field) { return found }
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
