/// String helpers of the engine.
extension String {
    /// The string without leading and trailing ASCII white space.
    var trimmingSpaces: String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end && Bytes.isSpace(bytes[start]) { start += 1 }
        while end > start && Bytes.isSpace(bytes[end - 1]) { end -= 1 }
        if start == 0 && end == bytes.count { return self }
        return Bytes.string(bytes, start..<end)
    }
}
/// Length and slicing by Unicode scalars, as Ruby counts characters, with a fast path for ASCII.
extension String {
    /// Whether every byte is ASCII.
    var isASCIIOnly: Bool {
        if let ascii = utf8.withContiguousStorageIfAvailable({ buffer -> Bool in
            var bits: UInt8 = 0
            for byte in buffer { bits |= byte }
            return bits < 0x80
        }) {
            return ascii
        }
        return utf8.allSatisfy { $0 < 0x80 }
    }

    /// The number of characters as Ruby counts them (Unicode scalars).
    var scalarCount: Int { isASCIIOnly ? utf8.count : unicodeScalars.count }

    /// The characters (Unicode scalars) at offsets `range`, which must be within the string.
    func scalarSlice(_ range: Range<Int>) -> String {
        if range.isEmpty { return "" }
        if isASCIIOnly {
            let start = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
            let end = utf8.index(start, offsetBy: range.count)
            return String(self[start..<end])
        }
        let start = unicodeScalars.index(unicodeScalars.startIndex, offsetBy: range.lowerBound)
        let end = unicodeScalars.index(start, offsetBy: range.count)
        return String(unicodeScalars[start..<end])
    }
}
