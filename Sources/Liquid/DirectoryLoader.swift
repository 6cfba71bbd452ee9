import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Partials read from a directory: the partial `name` is `<directory>/<name>.liquid`, or
/// `<directory>/<name>` when that exists instead.
///
/// Parsed partials are cached and re-read when a file's modification time or size changes
/// (files are checked again at most every `recheckInterval`). Names cannot leave the
/// directory (``isValidName(_:)``: no absolute paths, no `..`, ASCII names only).
public final class DirectoryLoader: TemplateLoader {
    /// The directory partials are read from.
    public let directory: String
    /// The largest partial file read, in bytes.
    public let maxFileSize: Int
    /// How long a partial's file is trusted unchanged before it is checked again.
    public let recheckInterval: Duration
    private let cache = TemplateCache()
    private let checked = Mutex<[String: (path: String, stamp: [Int], at: ContinuousClock.Instant)]>([:])

    /// A loader of the partials in `directory`.
    public init(directory: String, maxFileSize: Int = 4 << 20, recheckInterval: Duration = .seconds(1)) {
        self.directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        self.maxFileSize = maxFileSize
        self.recheckInterval = recheckInterval
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
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x5F
                    || c == 0x2D
            }
        }
    }

    /// The file of the partial `name` and its version stamp, or nil if there is none.
    private func file(for name: String) throws(LiquidError) -> (path: String, stamp: [Int])? {
        guard Self.isValidName(name) else {
            let shown = name.utf8.count > 80 ? String(name.prefix(80)) + "…" : name
            throw LiquidError(
                .templateNotFound,
                "'\(shown.debugDescription.dropFirst().dropLast())' is not a valid partial name: use letters, digits, '.', '_', '-' and '/' between names (no '..', not starting with '/' or '.')")
        }
        for candidate in [name + ".liquid", name] {
            let path = directory + "/" + candidate
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            #if canImport(Darwin)
                let stamp = [Int(info.st_mtimespec.tv_sec), Int(info.st_mtimespec.tv_nsec), Int(info.st_size)]
            #else
                let stamp = [Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_size)]
            #endif
            return (path, stamp)
        }
        return nil
    }

    /// The contents of the file at `path`.
    private func read(_ path: String, name: String) throws(LiquidError) -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw LiquidError(.templateNotFound, "cannot read the partial '\(name)'") }
        defer { close(fd) }
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
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The source of `<directory>/<name>.liquid` (or `<directory>/<name>`), or nil if neither exists.
    public func source(named name: String) throws(LiquidError) -> String? {
        guard let (path, _) = try file(for: name) else { return nil }
        return try read(path, name: name)
    }

    /// The parsed partial, from the cache unless its file changed.
    public func template(named name: String, options: ParseOptions) throws(LiquidError) -> Template? {
        let now = ContinuousClock.now
        var found = checked.withLock { $0[name] }.flatMap {
            $0.at.duration(to: now) < recheckInterval ? ($0.path, $0.stamp) : nil
        }
        if found == nil {
            found = try file(for: name)
            if let (path, stamp) = found { checked.withLock { $0[name] = (path, stamp, now) } }
        }
        guard let (path, stamp) = found else { return nil }
        return try cache.template(named: name, options: options, stamp: stamp) { () throws(LiquidError) -> String? in
            try read(path, name: name)
        }
    }
}

/// The system's `read(2)` (the name is taken by the loader's own method).
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
