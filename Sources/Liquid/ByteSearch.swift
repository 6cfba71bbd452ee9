/// Substring search over UTF-8 bytes in linear time (Knuth–Morris–Pratt), so no input can make
/// `replace`, `split` or `contains` quadratic.
struct ByteSearch {
    private let needle: [UInt8]
    private let failure: [Int]

    /// A search for `needle` (which must not be empty).
    init(_ needle: [UInt8]) {
        self.needle = needle
        var failure = [Int](repeating: 0, count: needle.count)
        var k = 0
        for i in 1..<max(needle.count, 1) {
            while k > 0 && needle[i] != needle[k] { k = failure[k - 1] }
            if needle[i] == needle[k] { k += 1 }
            failure[i] = k
        }
        self.failure = failure
    }

    /// The offsets where `needle` starts in `hay`, not overlapping; only the first if `firstOnly`.
    func matches(in hay: [UInt8], from start: Int = 0, firstOnly: Bool = false) -> [Int] {
        var found: [Int] = []
        var k = 0
        var i = start
        while i < hay.count {
            while k > 0 && hay[i] != needle[k] { k = failure[k - 1] }
            if hay[i] == needle[k] { k += 1 }
            if k == needle.count {
                found.append(i + 1 - needle.count)
                if firstOnly { break }
                k = 0
            }
            i += 1
        }
        return found
    }

    /// Whether `hay` contains `needle` (an empty needle is everywhere).
    static func contains(_ hay: String, _ needle: String) -> Bool {
        if needle.isEmpty { return true }
        return !ByteSearch(Array(needle.utf8)).matches(in: Array(hay.utf8), firstOnly: true).isEmpty
    }
}
