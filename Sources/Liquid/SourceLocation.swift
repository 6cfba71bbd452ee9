/// A place in a template's source: line and column, both from 1.
struct SourceLocation: Sendable {
    /// The line, from 1.
    var line: Int32
    /// The column in characters (Unicode scalars), from 1.
    var column: Int32

    /// The location of nothing in particular.
    static let unknown = SourceLocation(line: 0, column: 0)
}

/// Maps byte offsets in a source to lines and columns.
struct LineTable {
    private let bytes: [UInt8]
    private let lineStarts: [Int]
    /// The last location computed, to go on from (locations are mostly asked in order).
    private var last = (offset: 0, line: 0, column: 1)

    /// The table of `bytes` (UTF-8).
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        for (i, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(i + 1) }
        lineStarts = starts
    }

    /// The line and column of byte `offset`.
    mutating func location(of offset: Int) -> SourceLocation {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        var column = 1
        var i = lineStarts[low]
        if last.line == low && last.offset >= i && last.offset <= offset {
            column = last.column
            i = last.offset
        }
        let end = min(offset, bytes.count)
        while i < end {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        last = (max(i, lineStarts[low]), low, column)
        return SourceLocation(line: Int32(clamping: low + 1), column: Int32(clamping: column))
    }
}

/// Byte classes the scanners share.
enum Bytes {
    /// Whether `byte` is ASCII white space (space, tab, newline, vertical tab, form feed, return).
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    /// Whether `byte` can start an identifier (ASCII letter, underscore, or any non-ASCII byte).
    @inline(__always)
    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F || byte >= 0x80
    }

    /// Whether `byte` is an ASCII digit.
    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Whether `byte` can continue an identifier (identifier start, digit or hyphen).
    @inline(__always)
    static func isIdentifierPart(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || isDigit(byte) || byte == 0x2D
    }

    /// Whether `byte` can be part of a tag name (ASCII letter, digit, underscore).
    @inline(__always)
    static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F || isDigit(byte)
    }

    /// Whether `bytes[range]` is empty or only white space.
    static func isBlank(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        for i in range where !isSpace(bytes[i]) { return false }
        return true
    }

    /// `bytes[range]` as a string.
    static func string(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }
}
