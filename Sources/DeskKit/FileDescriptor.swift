#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open file descriptor, with the few calls copydesk makes on one.
///
/// Every `open` adds `O_CLOEXEC`, so no descriptor leaks into a provider program copydesk runs.
/// Calls retry on `EINTR` through ``valueOrErrno(_:retryOnInterrupt:_:)``, except `close`.
/// The type does not close itself: the owner calls ``close()`` exactly once (usually in `defer`).
public struct FileDescriptor: Sendable {
    /// The raw descriptor.
    public let rawValue: Int32

    /// Wraps a descriptor copydesk already owns.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Opens `path` with `open(2)`, always adding `O_CLOEXEC`.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(Errno) -> FileDescriptor {
        let fd = try valueOrErrno("open(\"\(path)\")") { Glibc.open(path, flags | O_CLOEXEC, mode) }
        return FileDescriptor(rawValue: fd)
    }

    /// Opens a folder for `fsync(2)` or `openat`, with `O_RDONLY | O_DIRECTORY`.
    public static func openDirectory(_ path: String) throws(Errno) -> FileDescriptor {
        try open(path, O_RDONLY | O_DIRECTORY)
    }

    /// Closes the descriptor with `close(2)`; never retried, as Linux frees it even on `EINTR`.
    public func close() {
        _ = Glibc.close(rawValue)
    }

    /// Runs `body` with the descriptor, then closes it whether `body` threw or not.
    public func closeAfter<Result>(_ body: (FileDescriptor) throws(Errno) -> Result) throws(Errno) -> Result {
        defer { close() }
        return try body(self)
    }

    /// Writes all of `bytes` and `fsync`s, then closes the descriptor, even on failure.
    public func writeAllSyncAndClose(_ bytes: [UInt8]) throws(Errno) {
        try closeAfter { fd throws(Errno) in
            try fd.writeAll(bytes)
            try fd.sync()
        }
    }

    /// The file's metadata, from `fstat(2)`.
    public func status() throws(Errno) -> stat {
        var st = stat()
        _ = try valueOrErrno("fstat") { fstat(rawValue, &st) }
        return st
    }

    /// Flushes the file's data and metadata to stable storage with `fsync(2)`.
    public func sync() throws(Errno) {
        _ = try valueOrErrno("fsync") { fsync(rawValue) }
    }

    /// Writes every byte with `write(2)`, looping over short writes.
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            let n = try valueOrErrno("write") {
                Glibc.write(rawValue, bytes.baseAddress! + offset, bytes.count - offset)
            }
            offset += n
        }
    }

    /// Writes every byte of `bytes`.
    public func writeAll(_ bytes: [UInt8]) throws(Errno) {
        var failure: Errno?
        bytes.withUnsafeBytes { buffer in
            do throws(Errno) { try writeAll(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Reads up to `buffer.count` bytes into `buffer` with `read(2)`; 0 means the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        return try valueOrErrno("read") { Glibc.read(rawValue, base, buffer.count) }
    }

    /// Reads up to `buffer.count` bytes at byte `offset` of the file with `pread(2)`, leaving the
    /// file offset alone; 0 means the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(Errno) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        return try valueOrErrno("pread") { pread(rawValue, base, buffer.count, off_t(offset)) }
    }

    /// Reads up to `limit` bytes from the current offset to the end of the file with `read(2)`.
    ///
    /// Returns `nil` when the file holds more than `limit` bytes, without reading past the limit.
    public func readAll(limit: Int) throws(Errno) -> [UInt8]? {
        let size = Int(try status().st_size)
        if size > limit { return nil }
        var bytes = [UInt8](repeating: 0, count: size + 1)
        var count = 0
        while true {
            if count == bytes.count {
                if count > limit { return nil }
                bytes.append(contentsOf: repeatElement(0, count: max(4096, count)))
            }
            let n = try valueOrErrno("read") {
                bytes.withUnsafeMutableBytes { Glibc.read(rawValue, $0.baseAddress! + count, $0.count - count) }
            }
            if n == 0 { break }
            count += n
        }
        if count > limit { return nil }
        bytes.removeSubrange(count...)
        return bytes
    }
}
