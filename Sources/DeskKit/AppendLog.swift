#if canImport(Glibc)
    import Glibc
#endif

/// An append-only JSON Lines file: each append is one `write(2)` with `O_APPEND` and an `fsync`;
/// reading skips a line torn by a crash.
///
/// Batches keep their item journals this way, and the bandit its deliveries (tracking id →
/// variant) and sticky assignments. A reader that follows a log another process appends to keeps
/// the offset ``read(from:)`` returned and reads only what came after it. A log whose writers
/// must take turns (read what the others appended, then decide, then append) is opened and
/// locked with ``FileLock`` and read and appended through the descriptor
/// (``read(_:from:)``, ``append(_:to:sync:)``): one `open(2)` for the whole turn.
public struct AppendLog: Sendable {
    /// The file.
    public let path: String

    /// The log at `path`.
    public init(path: String) { self.path = path }

    /// The whole lines from byte `offset` on, parsed, and the offset after the last whole line.
    /// A torn or unparsable line is skipped; no file reads as no lines. O(n) in the bytes after
    /// `offset`: `open(2)`, then ``read(_:from:)``, then `close(2)`.
    public func read(from offset: Int = 0) -> (values: [JSONValue], end: Int) {
        guard let fd = try? FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK) else { return ([], offset) }
        defer { fd.close() }
        return (try? Self.read(fd, from: offset)) ?? ([], offset)
    }

    /// The whole lines of the open log `fd` from byte `offset` on, parsed, and the offset after
    /// the last whole line: `fstat(2)`, then `pread(2)` of the bytes after `offset` only, so
    /// following a long log costs what was appended to it. Throws `EINVAL` for a file that is
    /// not a regular file.
    public static func read(_ fd: FileDescriptor, from offset: Int) throws(Errno) -> (values: [JSONValue], end: Int) {
        let st = try fd.status()
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw Errno(EINVAL, "read: not a regular file") }
        let size = Int(st.st_size)
        guard size > offset else { return ([], offset) }
        var bytes = [UInt8](repeating: 0, count: size - offset)
        var count = 0
        var failure: Errno?
        bytes.withUnsafeMutableBytes { buffer in
            while count < buffer.count {
                do throws(Errno) {
                    let n = try fd.read(
                        into: UnsafeMutableRawBufferPointer(rebasing: buffer[count...]), at: offset + count)
                    if n == 0 { break }
                    count += n
                } catch {
                    failure = error
                    break
                }
            }
        }
        if let failure { throw failure }
        var end = count
        while end > 0 && bytes[end - 1] != 0x0A { end -= 1 }
        guard end > 0 else { return ([], offset) }
        let values = JSONValue.parseLines(Array(bytes[0..<end])).compactMap { try? $0.result.get() }
        return (values, offset + end)
    }

    /// Appends `lines` (each a serialized JSON value followed by a newline) and, unless `sync` is
    /// `false`, `fsync`s (a caller that appends without calls ``sync()`` before it relies on the
    /// lines). The folder is created and `fsync`ed when the file is new. When the write fails (a
    /// full disk) the file is cut back to its old length (`ftruncate(2)`), so nothing is left
    /// half-written. Returns the file's size after the append; `nil`, and nothing is touched,
    /// when `lines` is empty.
    @discardableResult
    public func append(_ lines: [UInt8], sync: Bool = true) throws(Errno) -> Int? {
        guard !lines.isEmpty else { return nil }
        let folder = Path.parent(path)
        try FileSystem.ensureDirectory(folder)
        let created = !FileSystem.exists(path)
        let fd = try FileDescriptor.open(path, O_RDWR | O_CREAT | O_APPEND, mode: 0o644)
        let end = try fd.closeAfter { fd throws(Errno) -> Int in try Self.append(lines, to: fd, sync: sync) }
        if created { try FileSystem.syncDirectory(folder) }
        return end
    }

    /// Appends `lines` to the log open as `fd` (with `O_APPEND`): `fstat(2)`, `pread(2)` of the
    /// last byte (a line torn by a crash is closed off first, so it spoils nothing after it), one
    /// `write(2)`, and `fsync(2)` unless `sync` is `false`; on failure `ftruncate(2)` back to the
    /// old length. Returns the file's size after the append.
    @discardableResult
    public static func append(_ lines: [UInt8], to fd: FileDescriptor, sync: Bool) throws(Errno) -> Int {
        let size = try fd.status().st_size
        guard !lines.isEmpty else { return Int(size) }
        var bytes = lines
        if size > 0 {
            var last: UInt8 = 0
            if pread(fd.rawValue, &last, 1, off_t(size - 1)) == 1 && last != 0x0A { bytes.insert(0x0A, at: 0) }
        }
        do throws(Errno) {
            try fd.writeAll(bytes)
            if sync { try fd.sync() }
        } catch {
            _ = ftruncate(fd.rawValue, size)
            throw error
        }
        return Int(size) + bytes.count
    }

    /// Makes every line appended so far durable: `open(2)`, `fsync(2)`, `close(2)`. A missing
    /// file is fine (nothing was appended).
    public func sync() throws(Errno) {
        let fd: FileDescriptor
        do throws(Errno) {
            fd = try FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW)
        } catch let error where error.code == ENOENT {
            return
        }
        try fd.closeAfter { fd throws(Errno) in try fd.sync() }
    }
}
