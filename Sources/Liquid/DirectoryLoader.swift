#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Partials read from a directory: the partial `name` is `<directory>/<name>.liquid`, or
/// `<directory>/<name>` when that exists instead; a name that ends in `.liquid` already is
/// `<directory>/<name>` only (`.liquid.liquid` is never looked for).
///
/// Parsed partials are kept in a ``TemplateCache`` by the file's absolute path, each valid for
/// one version of its file: every lookup `stat`s the file and compares its modification time,
/// size and inode, so an edited partial is read again by the very next render. Loaders may share
/// one cache (the daemon gives every org's loader the same one). Names cannot leave the
/// directory (``isValidName(_:)``: no absolute paths, no `..`, ASCII names only).
public final class DirectoryLoader: TemplateLoader {
    /// The directory partials are read from, as an absolute path.
    public let directory: String
    /// The largest partial file read, in bytes.
    public let maxFileSize: Int
    /// Where parsed partials are kept, by path; perhaps shared with other loaders.
    public let cache: TemplateCache

    /// A loader of the partials in `directory` (relative to the current directory unless it is
    /// absolute), keeping them in `cache` (a cache of its own by default).
    public init(directory: String, maxFileSize: Int = 4 << 20, cache: TemplateCache = TemplateCache()) {
        var absolute = directory
        if !absolute.hasPrefix("/"), let cwd = getcwd(nil, 0) {
            absolute = String(cString: cwd) + (absolute.isEmpty ? "" : "/" + absolute)
            free(cwd)
        }
        while absolute.count > 1 && absolute.hasSuffix("/") { absolute.removeLast() }
        self.directory = absolute
        self.maxFileSize = maxFileSize
        self.cache = cache
    }

    /// The longest partial name, in bytes.
    public static let maxNameBytes = 255

    /// Whether `name` may name a partial: 1 to ``maxNameBytes`` bytes of components separated by
    /// `/`, each 1 or more of `[A-Za-z0-9._-]` not starting with a dot. So no absolute path, no
    /// `.` or `..`, no empty component, no backslash, NUL, space or control character, and no
    /// Unicode look-alike of a slash or a dot: a name (perhaps taken from a request's data by
    /// `{% include some_variable %}`) can only name a file below the directory. O(n).
    public static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= maxNameBytes else { return false }
        return name.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).allSatisfy { part in
            guard let first = part.first, first != UInt8(ascii: ".") else { return false }
            return part.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E
                    || c == 0x5F
                    || c == 0x2D
            }
        }
    }

    /// The file of the partial `name` and its version, or nil if there is none.
    private func file(for name: String) throws(LiquidError) -> (path: String, identity: FileIdentity)? {
        guard Self.isValidName(name) else {
            let shown = name.utf8.count > 80 ? String(name.prefix(80)) + "…" : name
            throw LiquidError(
                .templateNotFound,
                "'\(shown.debugDescription.dropFirst().dropLast())' is not a valid partial name: use letters, digits, '.', '_', '-' and '/' between names (no '..', not starting with '/' or '.')"
            )
        }
        let plain = directory + "/" + name
        if !name.hasSuffix(".liquid") {
            let liquid = plain + ".liquid"
            if let identity = FileIdentity(path: liquid) { return (liquid, identity) }
        }
        return FileIdentity(path: plain).map { (plain, $0) }
    }

    /// The contents of the file at `path`, and the version of it that was read.
    private func read(_ path: String, name: String) throws(LiquidError) -> (source: String, identity: FileIdentity) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw LiquidError(.templateNotFound, "cannot read the partial '\(name)'") }
        defer { close(fd) }
        guard let identity = FileIdentity(descriptor: fd) else {
            throw LiquidError(.templateNotFound, "cannot read the partial '\(name)': it is not a regular file")
        }
        guard identity.size <= maxFileSize else {
            throw LiquidError(.limitExceeded, "the partial '\(name)' is larger than \(maxFileSize) bytes")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LiquidError(.templateNotFound, "cannot read the partial '\(name)'")
            }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
            guard bytes.count <= maxFileSize else {
                throw LiquidError(.limitExceeded, "the partial '\(name)' is larger than \(maxFileSize) bytes")
            }
        }
        return (String(decoding: bytes, as: UTF8.self), identity)
    }

    /// The source of `<directory>/<name>.liquid` (or `<directory>/<name>`), or nil if neither exists.
    public func source(named name: String) throws(LiquidError) -> String? {
        guard let (path, _) = try file(for: name) else { return nil }
        return try read(path, name: name).source
    }

    /// The parsed partial, from the cache unless its file changed since it was parsed (one
    /// `stat(2)` per lookup; two when the name has no `.liquid` and `<name>.liquid` does not exist).
    public func template(named name: String, options: ParseOptions) throws(LiquidError) -> Template? {
        guard let (path, identity) = try file(for: name) else { return nil }
        return try cache.template(path: path, identity: identity, name: name, options: options) {
            () throws(LiquidError) -> (source: String, identity: FileIdentity) in
            try read(path, name: name)
        }
    }
}

/// The system's `read(2)` (the name is taken by the loader's own method).
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
