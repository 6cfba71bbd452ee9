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
