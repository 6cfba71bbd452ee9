#if canImport(Glibc)
import Glibc
#endif
import DeskKit

/// Reads CSV files row by row, streaming: RFC 4180 quoting (delimiters, doubled quotes and
/// newlines inside quotes), a UTF-8 byte-order mark, LF or CRLF line ends, and `,`, `;` or tab
/// delimiters (sniffed from the first line, outside quotes).
///
/// Memory is one 64 KiB buffer plus the row being read, whatever the file's size. Each row knows
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

    private let descriptor: FileDescriptor
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var start = 0
    private var end = 0
    private var atEOF = false
    private var line = 1
    /// The delimiter in use.
    public private(set) var delimiter: UInt8 = UInt8(ascii: ",")

    /// Opens `path` (without following a link) and sniffs its delimiter.
    public init(path: String) throws(Errno) {
        descriptor = try FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW)
        try fill()
        if end - start >= 3 && buffer[start] == 0xEF && buffer[start + 1] == 0xBB && buffer[start + 2] == 0xBF {
            start += 3
        }
        delimiter = sniffDelimiter()
    }

    /// Closes the file.
    public func close() { descriptor.close() }

    /// The next row, or `nil` at the end of the file. Blank lines are skipped.
    public mutating func next() throws(Errno) -> Row? {
        while true {
            guard let row = try readRow() else { return nil }
            if row.fields.count == 1 && row.fields[0].isEmpty && row.problem == nil { continue }
            return row
        }
    }

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
        end += count
    }

    /// The next byte, refilling the buffer; `nil` at the end of the file.
    private mutating func nextByte() throws(Errno) -> UInt8? {
        if start == end {
            if atEOF { return nil }
            try fill()
            if start == end { return nil }
        }
        let byte = buffer[start]
        start += 1
        return byte
    }

    private mutating func peekByte() throws(Errno) -> UInt8? {
        if start == end {
            if atEOF { return nil }
            try fill()
            if start == end { return nil }
        }
        return buffer[start]
    }

    private func sniffDelimiter() -> UInt8 {
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, UInt8(ascii: "\t"): 0]
        var quoted = false
        for byte in buffer[start..<end] {
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
        func finish(_ field: inout [UInt8]) {
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
                if quoted && problem == nil {
                    problem = "a quoted field opened on line \(firstLine) is never closed"
                }
                finish(&field)
                return Row(line: firstLine, fields: fields, problem: problem)
            }
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if try peekByte() == UInt8(ascii: "\"") {
                        _ = try nextByte()
                        field.append(byte)
                    } else {
                        quoted = false
                    }
                } else {
                    if byte == 0x0A { line += 1 }
                    field.append(byte)
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
                field.append(byte)
            }
        }
    }
}
