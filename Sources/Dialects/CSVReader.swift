import DeskKit

/// Reads CSV files row by row, streaming: RFC 4180 quoting (delimiters, doubled quotes and
/// newlines inside quotes), a UTF-8 byte-order mark, LF or CRLF line ends, and `,`, `;` or tab
/// delimiters (sniffed from the first line, outside quotes).
///
/// Memory is one fixed buffer (64 KiB by default, ``ChunkedFileReader``) plus the row being read
/// (at most ``maxRowBytes``), whatever the file's size (``peakBufferedBytes``). Each row knows
/// the line it starts on and, when it is malformed, what is wrong with it; the reader carries on
/// with the next row, so one bad row never spoils the rest. O(n) in the file size.
public struct CSVReader {
    /// One row of the file.
    public struct Row: Sendable, Equatable {
        /// The 1-based line the row starts on.
        public var line: Int
        /// The fields, unquoted.
        public var fields: [String]
        /// What is wrong with the row (the fields are then best effort), or `nil`.
        public var problem: String?
    }

    private var source: ChunkedFileReader
    private var line = 1
    /// The longest row kept in memory, in bytes; the bytes of a longer row are dropped and the
    /// row is reported (most often an unterminated quote swallowing the rest of the file).
    public let maxRowBytes: Int
    /// The most bytes the reader held at once: its fixed chunk plus the largest row it kept. It
    /// does not grow with the file (tests assert on it).
    public private(set) var peakBufferedBytes = 0
    /// The delimiter in use.
    public private(set) var delimiter: UInt8 = UInt8(ascii: ",")

    /// Opens `path` (`open(2)` without following a link), reads its first chunk and sniffs its
    /// delimiter. `chunkSize` is the size of the one read buffer; `hashing` keeps a SHA-256 of the
    /// file's bytes (``hexDigest``).
    public init(path: String, chunkSize: Int = 64 * 1024, maxRowBytes: Int = 1 << 20, hashing: Bool = false)
        throws(Errno)
    {
        source = try ChunkedFileReader(path: path, chunkSize: chunkSize, hashing: hashing)
        self.maxRowBytes = maxRowBytes
        if source.buffered.starts(with: [0xEF, 0xBB, 0xBF]) { source.skip(3) }
        delimiter = sniffDelimiter()
        peakBufferedBytes = source.bufferCapacity
    }

    /// Closes the file.
    public func close() { source.close() }

    /// The hex SHA-256 of the bytes read so far (the whole file once ``next()`` returned `nil`),
    /// when the reader was opened with `hashing`.
    public var hexDigest: String? { source.hexDigest }

    /// The next row, or `nil` at the end of the file. Blank lines are skipped.
    public mutating func next() throws(Errno) -> Row? {
        while true {
            guard let row = try readRow() else { return nil }
            if row.fields.count == 1 && row.fields[0].isEmpty && row.problem == nil { continue }
            return row
        }
    }

    @inline(__always)
    private mutating func nextByte() throws(Errno) -> UInt8? { try source.next() }

    @inline(__always)
    private mutating func peekByte() throws(Errno) -> UInt8? { try source.peek() }

    private func sniffDelimiter() -> UInt8 {
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, UInt8(ascii: "\t"): 0]
        var quoted = false
        for byte in source.buffered {
            if byte == UInt8(ascii: "\"") { quoted.toggle() }
            if quoted { continue }
            if byte == 0x0A || byte == 0x0D { break }
            if counts[byte] != nil { counts[byte]! += 1 }
        }
        let best = counts.max { a, b in a.value == b.value ? a.key > b.key : a.value < b.value }!
        return best.value > 0 ? best.key : UInt8(ascii: ",")
    }

    private mutating func readRow() throws(Errno) -> Row? {
        guard try peekByte() != nil else { return nil }
        let firstLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var problem: String?
        var quoted = false
        var wasQuoted = false
        var rowBytes = 0
        func keep(_ byte: UInt8, in field: inout [UInt8]) {
            rowBytes += 1
            if rowBytes <= maxRowBytes {
                field.append(byte)
            } else if rowBytes == maxRowBytes + 1 {
                problem = "the row is longer than \(maxRowBytes) bytes (an unterminated quote?); its text was dropped"
            }
        }
        func finish(_ field: inout [UInt8]) {
            peakBufferedBytes = max(peakBufferedBytes, source.bufferCapacity + min(rowBytes, maxRowBytes))
            if let text = String(validating: field, as: UTF8.self) {
                fields.append(text)
            } else {
                fields.append(String(decoding: field, as: UTF8.self))
                if problem == nil { problem = "field \(fields.count) is not valid UTF-8" }
            }
            field.removeAll(keepingCapacity: true)
        }
        while true {
            guard let byte = try nextByte() else {
                if quoted {
                    problem = "a quoted field opened on line \(firstLine) is never closed"
                }
                finish(&field)
                return Row(line: firstLine, fields: fields, problem: problem)
            }
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if try peekByte() == UInt8(ascii: "\"") {
                        _ = try nextByte()
                        keep(byte, in: &field)
                    } else {
                        quoted = false
                    }
                } else {
                    if byte == 0x0A { line += 1 }
                    keep(byte, in: &field)
                }
                continue
            }
            switch byte {
            case delimiter:
                finish(&field)
                wasQuoted = false
            case 0x0A:
                line += 1
                finish(&field)
                return Row(line: firstLine, fields: fields, problem: problem)
            case 0x0D:
                if try peekByte() == 0x0A { _ = try nextByte() }
                line += 1
                finish(&field)
                return Row(line: firstLine, fields: fields, problem: problem)
            case UInt8(ascii: "\"") where field.isEmpty && !wasQuoted:
                quoted = true
                wasQuoted = true
            default:
                if wasQuoted && problem == nil {
                    problem = "text after the closing quote of field \(fields.count + 1)"
                } else if byte == UInt8(ascii: "\"") && problem == nil {
                    problem = "a quote inside an unquoted field \(fields.count + 1): quote the whole field and double the quote"
                }
                keep(byte, in: &field)
            }
        }
    }
}
