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
