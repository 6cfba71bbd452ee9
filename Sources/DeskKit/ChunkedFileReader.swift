#if canImport(Glibc)
import Glibc
#endif

/// Reads a file byte by byte through one fixed-size buffer, refilled with `read(2)`: memory is the
/// chunk size whatever the file's size.
///
/// Optionally hashes every byte it reads (SHA-256), so a streamed file gets its content digest in
/// the same pass. The buffer never grows: ``bufferCapacity`` stays the chunk size given.
public struct ChunkedFileReader {
    private let descriptor: FileDescriptor
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var atEOF = false
    private var hasher: SHA256?

    /// Opens `path` with `open(2)` (`O_RDONLY | O_NOFOLLOW | O_CLOEXEC`: a link is never followed)
    /// and reads its first chunk. `chunkSize` is the buffer's fixed size; `hashing` keeps a
    /// SHA-256 of every byte read.
    public init(path: String, chunkSize: Int = 64 * 1024, hashing: Bool = false) throws(Errno) {
        descriptor = try FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW)
        buffer = [UInt8](repeating: 0, count: max(16, chunkSize))
        hasher = hashing ? SHA256() : nil
        try fill()
    }

    /// Closes the file (`close(2)`).
    public func close() { descriptor.close() }

    /// The buffer's size in bytes: the chunk size, constant for the reader's life.
    public var bufferCapacity: Int { buffer.count }

    /// The bytes read but not yet consumed (at most one chunk), without reading more. O(1).
    public var buffered: ArraySlice<UInt8> { buffer[start..<end] }

    /// Consumes `count` bytes of ``buffered``.
    public mutating func skip(_ count: Int) { start = min(end, start + count) }

    /// The hex SHA-256 of every byte read so far, or `nil` when the reader does not hash. Read it
    /// at the end of the file for the file's digest.
    public var hexDigest: String? {
        guard var copy = hasher else { return nil }
        return copy.hexFinalize()
    }

    /// The next byte, refilling the buffer with one `read(2)` when it is empty; `nil` at the end
    /// of the file. O(1) amortised.
    @inline(__always)
    public mutating func next() throws(Errno) -> UInt8? {
        if start == end {
            if atEOF { return nil }
            try fill()
            if start == end { return nil }
        }
        let byte = buffer[start]
        start += 1
        return byte
    }

    /// The next byte without consuming it; `nil` at the end of the file.
    @inline(__always)
    public mutating func peek() throws(Errno) -> UInt8? {
        if start == end {
            if atEOF { return nil }
            try fill()
            if start == end { return nil }
        }
        return buffer[start]
    }

    /// Moves the unread bytes to the front and reads into the rest of the buffer (`read(2)`,
    /// retried on `EINTR`).
    private mutating func fill() throws(Errno) {
        if start > 0 {
            if start < end { buffer.replaceSubrange(0..<(end - start), with: buffer[start..<end]) }
            end -= start
            start = 0
        }
        guard !atEOF, end < buffer.count else { return }
        let offset = end
        var count = 0
        var failure: Errno?
        buffer.withUnsafeMutableBytes { raw in
            do throws(Errno) {
                count = try descriptor.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[offset...]))
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        if count == 0 { atEOF = true }
        if count > 0 { hasher?.update(buffer[offset..<(offset + count)]) }
        end += count
    }
}
