/// String helpers for the slash-separated paths copydesk builds; no filesystem access.
public enum Path {
    /// `a` and `b` joined with one slash.
    @inline(__always)
    public static func join(_ a: String, _ b: String) -> String {
        a.hasSuffix("/") ? a + b : a + "/" + b
    }

    /// The parent folder of `path` (`"/a/b"` → `"/a"`, `"b"` → `"."`).
    public static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of `path`.
    public static func name(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The name without its last extension (`"leads.csv"` → `"leads"`, `".x"` → `".x"`).
    public static func stem(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// The last extension, lowercased, without the dot (`"A.JSON"` → `"json"`), or `""`.
    public static func `extension`(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    /// The longest id, in bytes, unless a caller asks for less (an org name: 64).
    public static let maxIDBytes = 128

    /// Whether `id` is a safe id for a library file, org, provider or published item: 1 to
    /// `maxBytes` of `[A-Za-z0-9._-]`, not starting with a dot. O(n).
    ///
    /// This is copydesk's one rule for a name taken from a request that becomes part of a path
    /// (template, brand and campaign ids, org folders, partial-name components): it admits no
    /// slash, backslash, NUL, space or other control character, no `..` component, no absolute
    /// path, and no Unicode look-alike of a slash or a dot (`／`, `∕`, `．`), since only ASCII
    /// passes. A name that fails it is rejected, never cleaned up.
    public static func isSafeID(_ id: String, maxBytes: Int = maxIDBytes) -> Bool {
        guard !id.isEmpty, id.utf8.count <= maxBytes, id.first != "." else { return false }
        return id.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x5F
                || c == 0x2D
        }
    }

    /// Whether `name` is safe as one path component chosen by a user, where spaces and other
    /// letters are welcome (a CSV file name): not empty, not starting with a dot (so not `.` or
    /// `..`), at most 128 bytes, no slash or backslash, no NUL or other control character, and
    /// none of the Unicode look-alikes of a slash or a dot (``lookAlikes``). O(n).
    public static func isSafeComponent(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= maxIDBytes, name.first != "." else { return false }
        return !name.unicodeScalars.contains {
            $0 == "/" || $0 == "\\" || $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || lookAlikes.contains($0)
                || (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value)
        }
    }

    /// Characters that look like a slash, a backslash or a dot, which a name must not contain
    /// where it could be mistaken for a path: fraction slash, division slash, fullwidth
    /// solidus and reverse solidus, big solidus, one-dot leader, fullwidth and small full stops,
    /// halfwidth and ideographic full stops.
    public static let lookAlikes: Set<Unicode.Scalar> = [
        "\u{2044}", "\u{2215}", "\u{FF0F}", "\u{FF3C}", "\u{29F8}", "\u{29F9}", "\u{2024}", "\u{FF0E}", "\u{FE52}",
        "\u{FF61}", "\u{3002}",
    ]
}
