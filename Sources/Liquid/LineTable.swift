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
        let lineStart = lineStarts[low]
        let end = min(offset, bytes.count)
        if last.line == low && last.offset >= lineStart && end < last.offset && last.offset - end < end - lineStart {
            // a little behind the last location asked (within one tag): count back from it
            var column = last.column
            var i = last.offset
            while i > end {
                i -= 1
                if bytes[i] & 0xC0 != 0x80 { column -= 1 }
            }
            return SourceLocation(line: Int32(clamping: low + 1), column: Int32(clamping: column))
        }
        var column = 1
        var i = lineStart
        if last.line == low && last.offset >= lineStart && last.offset <= end {
            column = last.column
            i = last.offset
        }
        while i < end {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        last = (i, low, column)
        return SourceLocation(line: Int32(clamping: low + 1), column: Int32(clamping: column))
    }
}
