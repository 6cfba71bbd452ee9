import Liquid

/// A tiny JSON reader for the tests: just enough for the golden suite and fixtures, keeping
/// integers apart from floats and objects in key order.
enum TestJSON {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The value of the JSON text `text`.
    static func parse(_ text: String) throws -> Value {
        var reader = Reader(bytes: Array(text.utf8))
        reader.skipSpace()
        let value = try reader.value()
        reader.skipSpace()
        guard reader.position == reader.bytes.count else { throw Failure(description: "trailing characters") }
        return value
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
        }

        mutating func value() throws -> Value {
            guard position < bytes.count else { throw Failure(description: "unexpected end") }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                var object = ValueObject()
                skipSpace()
                if bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    return .object(object)
                }
                while true {
                    skipSpace()
                    guard case .string(let key) = try value() else { throw Failure(description: "key") }
                    skipSpace()
                    try expect(":")
                    skipSpace()
                    object[key] = try value()
                    skipSpace()
                    if bytes[position] == UInt8(ascii: ",") {
                        position += 1
                        continue
                    }
                    try expect("}")
                    return .object(object)
                }
            case UInt8(ascii: "["):
                position += 1
                var array: [Value] = []
                skipSpace()
                if bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    return .array(array)
                }
                while true {
                    skipSpace()
                    array.append(try value())
                    skipSpace()
                    if bytes[position] == UInt8(ascii: ",") {
                        position += 1
                        continue
                    }
                    try expect("]")
                    return .array(array)
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"):
                position += 4
                return .bool(true)
            case UInt8(ascii: "f"):
                position += 5
                return .bool(false)
            case UInt8(ascii: "n"):
                position += 4
                return .nil
            default:
                let start = position
                var isFloat = false
                while position < bytes.count, "+-0123456789.eE".utf8.contains(bytes[position]) {
                    if [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) {
                        isFloat = true
                    }
                    position += 1
                }
                let text = String(decoding: bytes[start..<position], as: UTF8.self)
                if !isFloat, let i = Int(text) { return .int(i) }
                guard let d = Double(text) else { throw Failure(description: "bad number \(text)") }
                return .double(d)
            }
        }

        mutating func expect(_ c: Character) throws {
            guard position < bytes.count, bytes[position] == c.asciiValue! else {
                throw Failure(description: "expected \(c) at \(position)")
            }
            position += 1
        }

        mutating func string() throws -> String {
            position += 1
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() {
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll()
            }
            while position < bytes.count {
                let b = bytes[position]
                if b == UInt8(ascii: "\"") {
                    position += 1
                    flush()
                    return String(scalars)
                }
                if b == UInt8(ascii: "\\") {
                    flush()
                    position += 1
                    let e = bytes[position]
                    position += 1
                    switch e {
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800..<0xDC00).contains(code), bytes[position] == UInt8(ascii: "\\") {
                            position += 2
                            let low = try hex4()
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        scalars.append(Unicode.Scalar(code) ?? "?")
                    default: scalars.append(Unicode.Scalar(e))
                    }
                    continue
                }
                raw.append(b)
                position += 1
            }
            throw Failure(description: "unterminated string")
        }

        mutating func hex4() throws -> UInt32 {
            let text = String(decoding: bytes[position..<(position + 4)], as: UTF8.self)
            position += 4
            guard let v = UInt32(text, radix: 16) else { throw Failure(description: "bad escape") }
            return v
        }
    }
}
