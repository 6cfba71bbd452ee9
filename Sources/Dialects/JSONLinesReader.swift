import DeskKit

/// Reads a JSONL file line by line, streaming, through one fixed buffer (``ChunkedFileReader``).
///
/// Each non-blank line is parsed as JSON on its own; a line that is not JSON, or longer than
/// ``maxLineBytes``, is returned with its problem and the reader carries on. LF or CRLF line ends,
/// an optional UTF-8 byte-order mark. O(n) in the file size; memory is the chunk plus one line.
public struct JSONLinesReader {
    /// One line of the file.
    public struct Line: Sendable {
        /// The 1-based line number.
        public var number: Int
        /// The parsed value, or `nil` when the line is not JSON.
        public var value: JSONValue?
        /// What is wrong with the line, or `nil`.
        public var problem: String?
    }

    private var source: ChunkedFileReader
    private var number = 0
    private var bytes: [UInt8] = []
    /// The longest line kept in memory, in bytes; a longer line is reported, not parsed.
    public let maxLineBytes: Int

    /// Opens `path` (`open(2)` without following a link). `hashing` keeps a SHA-256 of the bytes.
    public init(path: String, chunkSize: Int = 64 * 1024, maxLineBytes: Int = 1 << 20, hashing: Bool = false)
        throws(Errno)
    {
        source = try ChunkedFileReader(path: path, chunkSize: chunkSize, hashing: hashing)
        self.maxLineBytes = maxLineBytes
        if source.buffered.starts(with: [0xEF, 0xBB, 0xBF]) { source.skip(3) }
    }

    /// Closes the file.
    public func close() { source.close() }

    /// The hex SHA-256 of the bytes read so far, when opened with `hashing`.
    public var hexDigest: String? { source.hexDigest }

    /// The next non-blank line, or `nil` at the end of the file.
    public mutating func next() throws(Errno) -> Line? {
        while true {
            guard try source.peek() != nil else { return nil }
            number += 1
            bytes.removeAll(keepingCapacity: true)
            var length = 0
            while let byte = try source.next(), byte != 0x0A {
                length += 1
                if length <= maxLineBytes { bytes.append(byte) }
            }
            if bytes.last == 0x0D { bytes.removeLast() }
            if length > maxLineBytes {
                return Line(number: number, value: nil, problem: "the line is longer than \(maxLineBytes) bytes")
            }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            do throws(JSONParseError) {
                return Line(number: number, value: try JSONValue.parse(bytes), problem: nil)
            } catch {
                return Line(number: number, value: nil, problem: "not valid JSON: \(error.message) (column \(error.column))")
            }
        }
    }
}
