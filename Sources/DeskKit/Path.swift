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

    /// Whether `id` is a safe id for a library file, org, provider or published item: 1 to
    /// `maxBytes` of `[A-Za-z0-9._-]`, not starting with a dot. O(n).
    public static func isSafeID(_ id: String, maxBytes: Int = 128) -> Bool {
        guard !id.isEmpty, id.utf8.count <= maxBytes, id.first != "." else { return false }
        return id.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x5F
                || c == 0x2D
        }
    }

    /// Whether `name` is safe as one path component chosen by a user: not empty, not `.` or `..`,
    /// no slash, no NUL or other control character, not starting with a dot, at most 128 bytes.
    public static func isSafeComponent(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 128, name.first != "." else { return false }
        return !name.unicodeScalars.contains { $0 == "/" || $0.value < 0x20 || $0.value == 0x7F }
    }
}
