/// String filters, with Ruby's semantics (`input.to_s` first; nil reads as the empty string).
extension Filters {
    /// The string filters (and `default`).
    static let stringFilters: [Filter] = [
        Filter("default", arguments: 0...1, keywords: ["allow_false"]) { input, args in
            let allowFalse = args.keyword("allow_false")?.isTruthy ?? false
            let missing = allowFalse ? input == .nil : !input.isTruthy
            guard missing || input.isEmptyValue else { return input }
            return args.count > 0 ? args[0] : .string("")
        },
        Filter("append", arguments: 1...1) { input, args in .string(input.liquidString + args[0].liquidString) },
        Filter("prepend", arguments: 1...1) { input, args in .string(args[0].liquidString + input.liquidString) },
        Filter("upcase") { input, _ in .string(input.liquidString.uppercased()) },
        Filter("downcase") { input, _ in .string(input.liquidString.lowercased()) },
        Filter("capitalize") { input, _ in
            let s = input.liquidString
            guard let first = s.first else { return .string("") }
            return .string(String(first).uppercased() + s.dropFirst().lowercased())
        },
        Filter("strip") { input, _ in .string(trim(input.liquidString, leading: true, trailing: true)) },
        Filter("lstrip") { input, _ in .string(trim(input.liquidString, leading: true, trailing: false)) },
        Filter("rstrip") { input, _ in .string(trim(input.liquidString, leading: false, trailing: true)) },
        Filter("strip_newlines") { input, args throws(LiquidError) in
            let s = try replace(input.liquidString, "\r\n", "", .all, limit: args.maxBytes)
            return .string(try replace(s, "\n", "", .all, limit: args.maxBytes))
        },
        Filter("newline_to_br") { input, args throws(LiquidError) in
            let s = try replace(input.liquidString, "\r\n", "\n", .all, limit: args.maxBytes)
            return .string(try replace(s, "\n", "<br />\n", .all, limit: args.maxBytes))
        },
        Filter("strip_html") { input, _ in .string(stripHTML(input.liquidString)) },
        Filter("remove", arguments: 1...1) { input, args throws(LiquidError) in
            .string(try replace(input.liquidString, args[0].liquidString, "", .all, limit: args.maxBytes))
        },
        Filter("remove_first", arguments: 1...1) { input, args throws(LiquidError) in
            .string(try replace(input.liquidString, args[0].liquidString, "", .first, limit: args.maxBytes))
        },
        Filter("remove_last", arguments: 1...1) { input, args throws(LiquidError) in
            .string(try replace(input.liquidString, args[0].liquidString, "", .last, limit: args.maxBytes))
        },
        Filter("replace", arguments: 1...2) { input, args throws(LiquidError) in
            .string(
                try replace(input.liquidString, args[0].liquidString, args[1].liquidString, .all, limit: args.maxBytes))
        },
        Filter("replace_first", arguments: 1...2) { input, args throws(LiquidError) in
            .string(
                try replace(
                    input.liquidString, args[0].liquidString, args[1].liquidString, .first, limit: args.maxBytes))
        },
        Filter("replace_last", arguments: 2...2) { input, args throws(LiquidError) in
            .string(
                try replace(input.liquidString, args[0].liquidString, args[1].liquidString, .last, limit: args.maxBytes)
            )
        },
        Filter("split", arguments: 1...1) { input, args in
            .array(split(input.liquidString, args[0].liquidString).map(Value.string))
        },
        Filter("slice", arguments: 1...2) { input, args throws(LiquidError) in
            let offset = try Number.integer(args[0], "the offset of 'slice'")
            let length = args.count > 1 && args[1] != .nil ? try Number.integer(args[1], "the length of 'slice'") : 1
            if case .array(let array) = input {
                guard let range = sliceRange(count: array.count, offset: offset, length: length) else {
                    return .array([])
                }
                return .array(Array(array[range]))
            }
            let s = input.liquidString
            guard let range = sliceRange(count: s.scalarCount, offset: offset, length: length) else {
                return .string("")
            }
            return .string(s.scalarSlice(range))
        },
        Filter("truncate", arguments: 0...2) { input, args throws(LiquidError) in
            if case .nil = input { return .nil }
            let s = input.liquidString
            let length = args.count > 0 ? try Number.integer(args[0], "the length of 'truncate'") : 50
            let ellipsis = args.count > 1 ? args[1].liquidString : "..."
            let count = s.scalarCount
            guard count > length else { return .string(s) }
            let keep = max(0, max(length, 0) - ellipsis.scalarCount)
            return .string(s.scalarSlice(0..<min(keep, count)) + ellipsis)
        },
        Filter("truncatewords", arguments: 0...2) { input, args throws(LiquidError) in
            if case .nil = input { return .nil }
            let s = input.liquidString
            var count = args.count > 0 ? try Number.integer(args[0], "the number of words of 'truncatewords'") : 15
            if count <= 0 { count = 1 }
            let ellipsis = args.count > 1 ? args[1].liquidString : "..."
            let words = split(s, " ")
            guard words.count > count else { return .string(s) }
            return .string(words[0..<count].joined(separator: " ") + ellipsis)
        },
    ]

    /// Which occurrences `replace` changes.
    enum Occurrence {
        case all, first, last
    }

    /// `s` with occurrences of `target` replaced by `replacement` (an empty target matches
    /// between every two characters, as in Ruby); an error if the result would pass `limit` bytes.
    static func replace(
        _ s: String, _ target: String, _ replacement: String, _ which: Occurrence, limit: Int
    )
        throws(LiquidError) -> String
    {
        func tooLarge() -> LiquidError {
            LiquidError(.limitExceeded, "replacing would make a string larger than the limit of \(limit) bytes")
        }
        if target.isEmpty {
            if which == .all
                && (s.utf8.count + 1).multipliedReportingOverflow(by: replacement.utf8.count).partialValue
                    + s.utf8.count > limit
            {
                throw tooLarge()
            }
            switch which {
            case .first: return replacement + s
            case .last: return s + replacement
            case .all:
                var result = replacement
                for scalar in s.unicodeScalars {
                    result.unicodeScalars.append(scalar)
                    result += replacement
                }
                return result
            }
        }
        let hay = Array(s.utf8)
        let needle = Array(target.utf8)
        guard hay.count >= needle.count else { return s }
        var matches = ByteSearch(needle).matches(in: hay, firstOnly: which == .first)
        if which == .last, let final = matches.last { matches = [final] }
        guard !matches.isEmpty else { return s }
        if replacement.utf8.count > needle.count
            && hay.count + matches.count * (replacement.utf8.count - needle.count) > limit
        {
            throw tooLarge()
        }
        var result: [UInt8] = []
        result.reserveCapacity(hay.count + matches.count * max(0, replacement.utf8.count - needle.count))
        var position = 0
        for match in matches {
            result.append(contentsOf: hay[position..<match])
            result.append(contentsOf: replacement.utf8)
            position = match + needle.count
        }
        result.append(contentsOf: hay[position...])
        return String(decoding: result, as: UTF8.self)
    }

    /// Ruby's `String#split`: a single space splits on runs of white space (ignoring it at the
    /// ends), an empty separator splits into characters, trailing empty strings are dropped.
    static func split(_ s: String, _ separator: String) -> [String] {
        if s.isEmpty { return [] }
        if separator.isEmpty { return s.unicodeScalars.map { String($0) } }
        let bytes = Array(s.utf8)
        var parts: [String] = []
        if separator == " " {
            var i = 0
            while i < bytes.count {
                while i < bytes.count && Bytes.isSpace(bytes[i]) { i += 1 }
                let start = i
                while i < bytes.count && !Bytes.isSpace(bytes[i]) { i += 1 }
                if i > start { parts.append(Bytes.string(bytes, start..<i)) }
            }
            return parts
        }
        let needle = Array(separator.utf8)
        var start = 0
        for match in ByteSearch(needle).matches(in: bytes) {
            parts.append(Bytes.string(bytes, start..<match))
            start = match + needle.count
        }
        parts.append(Bytes.string(bytes, start..<bytes.count))
        while let last = parts.last, last.isEmpty { parts.removeLast() }
        return parts
    }

    /// `s` without leading and/or trailing white space.
    static func trim(_ s: String, leading: Bool, trailing: Bool) -> String {
        let bytes = Array(s.utf8)
        var start = 0
        var end = bytes.count
        if leading { while start < end && (Bytes.isSpace(bytes[start]) || bytes[start] == 0) { start += 1 } }
        if trailing { while end > start && (Bytes.isSpace(bytes[end - 1]) || bytes[end - 1] == 0) { end -= 1 } }
        if start == 0 && end == bytes.count { return s }
        return Bytes.string(bytes, start..<end)
    }

    /// Ruby's `slice(offset, length)` range within `count` items, or nil when out of range.
    static func sliceRange(count: Int, offset: Int, length: Int) -> Range<Int>? {
        var start = offset
        if start < 0 { start = start &+ count }
        guard start >= 0, start <= count, length >= 0 else { return nil }
        return start..<(length > count - start ? count : start + length)
    }

    /// `s` without HTML tags, comments, and `script` and `style` elements.
    static func stripHTML(_ s: String) -> String {
        let bytes = Array(s.utf8)
        func hasPrefix(_ pattern: [UInt8], at i: Int) -> Bool {
            i + pattern.count <= bytes.count && bytes[i..<(i + pattern.count)].elementsEqual(pattern)
        }
        // Each block kind: its opening, its closing, and where its closings are.
        let blocks: [([UInt8], [UInt8])] = [
            (Array("<script".utf8), Array("</script>".utf8)), (Array("<!--".utf8), Array("-->".utf8)),
            (Array("<style".utf8), Array("</style>".utf8)),
        ]
        let closings = blocks.map { ByteSearch($0.1).matches(in: bytes) }
        var nextClosing = [0, 0, 0]
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        var i = 0
        outer: while i < bytes.count {
            if bytes[i] == UInt8(ascii: "<") {
                for (b, block) in blocks.enumerated() where hasPrefix(block.0, at: i) {
                    let after = i + block.0.count
                    while nextClosing[b] < closings[b].count && closings[b][nextClosing[b]] < after {
                        nextClosing[b] += 1
                    }
                    if nextClosing[b] < closings[b].count {
                        i = closings[b][nextClosing[b]] + block.1.count
                        continue outer
                    }
                }
            }
            kept.append(bytes[i])
            i += 1
        }
        var result: [UInt8] = []
        result.reserveCapacity(kept.count)
        // The position of the next '>' at or after each point, found from the end.
        var nextClose = [Int](repeating: -1, count: kept.count + 1)
        var j = kept.count - 1
        while j >= 0 {
            nextClose[j] = kept[j] == UInt8(ascii: ">") ? j : nextClose[j + 1]
            j -= 1
        }
        i = 0
        while i < kept.count {
            if kept[i] == UInt8(ascii: "<") && nextClose[i + 1] >= 0 {
                i = nextClose[i + 1] + 1
                continue
            }
            result.append(kept[i])
            i += 1
        }
        return String(decoding: result, as: UTF8.self)
    }
}
