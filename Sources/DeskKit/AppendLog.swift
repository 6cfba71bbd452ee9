#if canImport(Glibc)
    import Glibc
#endif

/// An append-only JSON Lines file: each append is one `write(2)` with `O_APPEND` and an `fsync`;
/// reading skips a line torn by a crash.
///
/// Batches keep their item journals this way, and the bandit its deliveries (tracking id →
/// variant) and sticky assignments.
public struct AppendLog: Sendable {
    /// The file.
    public let path: String

    /// The log at `path`.
    public init(path: String) { self.path = path }

    /// The whole lines from byte `offset` on, parsed, and the offset after the last whole line.
    /// A torn or unparsable line is skipped. O(n) in the bytes read.
    public func read(from offset: Int = 0) -> (values: [JSONValue], end: Int) {
        guard let bytes = (try? FileSystem.readFile(path)) ?? nil, bytes.count > offset else { return ([], offset) }
        var end = bytes.count
        while end > offset && bytes[end - 1] != 0x0A { end -= 1 }
        guard end > offset else { return ([], offset) }
        let values = JSONValue.parseLines(Array(bytes[offset..<end])).compactMap { try? $0.result.get() }
        return (values, end)
    }

    /// Appends `lines` (each a serialized JSON value followed by a newline) and `fsync`s; the
    /// folder is created and `fsync`ed when the file is new. When the write fails (a full disk)
    /// the file is cut back to its old length (`ftruncate(2)`), so nothing is left half-written.
    public func append(_ lines: [UInt8]) throws(Errno) {
        guard !lines.isEmpty else { return }
        let folder = Path.parent(path)
        try FileSystem.ensureDirectory(folder)
        let created = !FileSystem.exists(path)
        var bytes = lines
        let fd = try FileDescriptor.open(path, O_RDWR | O_CREAT | O_APPEND, mode: 0o644)
        try fd.closeAfter { fd throws(Errno) in
            // A line torn by a crash stays on its own line, so it spoils nothing after it.
            let size = try fd.status().st_size
            if size > 0 {
                var last: UInt8 = 0
                if pread(fd.rawValue, &last, 1, off_t(size - 1)) == 1 && last != 0x0A { bytes.insert(0x0A, at: 0) }
            }
            do throws(Errno) {
                try fd.writeAll(bytes)
                try fd.sync()
            } catch {
                _ = ftruncate(fd.rawValue, size)
                throw error
            }
        }
        if created { try FileSystem.syncDirectory(folder) }
    }
}
