// The Liquid render benchmark (Scripts/bench liquid).
//
// For each fixture `NNN/` of the folder given as the first argument (`templates/index.liquid`, its
// partials beside it, `data.json`, `expected_result.txt`): times parsing the entry template and
// rendering it, and checks the output against the expected one, allowing for the year and for
// whitespace. Exits non-zero when an output does not match.

import Foundation
import Liquid

// MARK: Timing

/// Rounds per figure; the figure is the median of the rounds.
let rounds = 7
/// The shortest a round may last.
let minimumRound = Duration.milliseconds(200)

/// Something the optimiser cannot see through, so the timed work is not dropped.
nonisolated(unsafe) var sink = 0

/// Seconds in `duration`, as a double.
func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) / 1e18
}

/// The median over `rounds` rounds of the microseconds per call of `body`; each round repeats it
/// enough times to last at least `minimumRound`.
func medianMicroseconds(_ body: () throws -> Int) rethrows -> Double {
    let clock = ContinuousClock()
    // Warm up and find the number of calls that lasts a round.
    var iterations = 1
    while true {
        let start = clock.now
        for _ in 0..<iterations { sink &+= try body() }
        if start.duration(to: clock.now) >= minimumRound { break }
        iterations *= 2
    }
    var perCall: [Double] = []
    for _ in 0..<rounds {
        let start = clock.now
        for _ in 0..<iterations { sink &+= try body() }
        perCall.append(seconds(start.duration(to: clock.now)) * 1e6 / Double(iterations))
    }
    perCall.sort()
    return perCall[perCall.count / 2]
}

// MARK: JSON

/// A failure to read a fixture.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A small JSON reader that keeps what `Value` distinguishes and Foundation's does not: the order
/// of object keys, and integers apart from floats.
struct JSONReader {
    private let bytes: [UInt8]
    private var index = 0

    /// The value of the JSON document `text`.
    static func value(of text: String) throws -> Value {
        var reader = JSONReader(bytes: Array(text.utf8))
        let value = try reader.value()
        reader.skipSpace()
        guard reader.index == reader.bytes.count else { throw reader.failure("text after the value") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func failure(_ what: String) -> BenchError { BenchError("JSON: \(what) at byte \(index)") }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func literal(_ word: String, _ value: Value) throws -> Value {
        let word = Array(word.utf8)
        guard bytes.count - index >= word.count, Array(bytes[index..<index + word.count]) == word else {
            throw failure("unknown literal")
        }
        index += word.count
        return value
    }

    private mutating func value() throws -> Value {
        skipSpace()
        guard index < bytes.count else { throw failure("missing value") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var pairs: [(String, Value)] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(ValueObject(pairs))
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a key") }
                let key = try string()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                index += 1
                pairs.append((key, try value()))
                skipSpace()
                guard index < bytes.count else { throw failure("unterminated object") }
                index += 1
                if bytes[index - 1] == UInt8(ascii: "}") { return .object(ValueObject(pairs)) }
                guard bytes[index - 1] == UInt8(ascii: ",") else { throw failure("expected ',' or '}'") }
            }
        case UInt8(ascii: "["):
            index += 1
            var elements: [Value] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                elements.append(try value())
                skipSpace()
                guard index < bytes.count else { throw failure("unterminated array") }
                index += 1
                if bytes[index - 1] == UInt8(ascii: "]") { return .array(elements) }
                guard bytes[index - 1] == UInt8(ascii: ",") else { throw failure("expected ',' or ']'") }
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            return try literal("true", .bool(true))
        case UInt8(ascii: "f"):
            return try literal("false", .bool(false))
        case UInt8(ascii: "n"):
            return try literal("null", .nil)
        default:
            return try number()
        }
    }

    private mutating func number() throws -> Value {
        let start = index
        var isInteger = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                isInteger = false
            } else if !(byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || (0x30...0x39).contains(byte)) {
                break
            }
            index += 1
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let int = Int(text) { return .int(int) }
        guard let double = Double(text) else { throw failure("bad number '\(text)'") }
        return .double(double)
    }

    private mutating func hexQuad() throws -> UInt32 {
        guard bytes.count - index >= 4,
            let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
        else { throw failure("bad \\u escape") }
        index += 4
        return code
    }

    private mutating func string() throws -> String {
        index += 1  // the opening quote
        var scalars = String.UnicodeScalarView()
        var run = index  // start of the bytes not yet copied
        func flush(_ end: Int) {
            scalars.append(contentsOf: String(decoding: bytes[run..<end], as: UTF8.self).unicodeScalars)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                flush(index)
                index += 1
                return String(scalars)
            }
            guard byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            flush(index)
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "u"):
                var code = try hexQuad()
                if (0xD800..<0xDC00).contains(code), bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u")
                {
                    index += 2
                    let low = try hexQuad()
                    code = 0x10000 + ((code - 0xD800) << 10) + (low &- 0xDC00)
                }
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: scalars.append(Unicode.Scalar(escape))
            }
            run = index
        }
        throw failure("unterminated string")
    }
}

// MARK: Comparison

/// `text` with runs of whitespace made one space and the ends trimmed.
func collapsingWhitespace(_ text: String) -> String {
    text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
}

/// `text` with each standalone four-digit number in `years` replaced by `YYYY`.
func maskingYears(_ text: String, _ years: ClosedRange<Int>) -> String {
    var result = ""
    var digits = ""
    var previous: Character = " "
    for character in text + " " {
        if character.isASCII, character.isNumber {
            if digits.isEmpty, previous.isLetter || previous.isNumber { digits = "#" }  // not standalone
            digits.append(character)
        } else {
            if !digits.isEmpty {
                let standalone = !digits.hasPrefix("#") && !character.isLetter
                if standalone, digits.count == 4, let year = Int(digits), years.contains(year) {
                    result += "YYYY"
                } else {
                    result += digits.hasPrefix("#") ? String(digits.dropFirst()) : digits
                }
                digits = ""
            }
            result.append(character)
        }
        previous = character
    }
    result.removeLast()
    return result
}

/// Where `actual` and `expected` first differ, with a little context of each.
func differenceHint(_ actual: String, _ expected: String) -> String {
    let a = Array(actual), e = Array(expected)
    var i = 0
    while i < a.count, i < e.count, a[i] == e[i] { i += 1 }
    let from = max(0, i - 30)
    func excerpt(_ c: [Character]) -> String {
        c.count <= from ? "<end>" : String(c[from..<min(c.count, i + 50)]).debugDescription
    }
    return "first difference at character \(i) of the normalised text (\(a.count) vs \(e.count) characters)\n"
        + "      got:      \(excerpt(a))\n" + "      expected: \(excerpt(e))"
}

// MARK: Main

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 1, let folder = arguments.first else {
    FileHandle.standardError.write(Data("usage: liquid-bench FIXTURES_FOLDER\n".utf8))
    exit(2)
}
let files = FileManager.default
let currentYear = Calendar(identifier: .gregorian).component(.year, from: Date())
let goals = ["002": "goal ≤ 50 µs (Python reference engine ~370 µs)"]

func read(_ path: String) throws -> String {
    guard let data = files.contents(atPath: path) else { throw BenchError("cannot read \(path)") }
    return String(decoding: data, as: UTF8.self)
}

var fixtures: [String]
do {
    fixtures = try files.contentsOfDirectory(atPath: folder).filter {
        files.fileExists(atPath: folder + "/" + $0 + "/templates/index.liquid")
    }.sorted()
} catch {
    FileHandle.standardError.write(Data("liquid-bench: cannot list \(folder): \(error)\n".utf8))
    exit(2)
}
guard !fixtures.isEmpty else {
    FileHandle.standardError.write(Data("liquid-bench: no fixtures (NNN/templates/index.liquid) in \(folder)\n".utf8))
    exit(2)
}

print("Liquid benchmark: \(fixtures.count) fixtures from \(folder)")
print(
    "cores: \(ProcessInfo.processInfo.activeProcessorCount); median of \(rounds) rounds of ≥ "
        + "\(Int(seconds(minimumRound) * 1000)) ms each; µs per call")
print("parse: the entry template (index.liquid); render: with its partials pre-loaded in an InMemoryLoader")
print("(parsed once, cached), so no file I/O or partial parsing is timed; data.json is converted beforehand")
print("output checked against expected_result.txt with whitespace runs collapsed and years 2000–\(currentYear)")
print("as YYYY in the expected text (the current year only in ours)")
print("")
print("fixture    parse µs   render µs   check")

var failures = 0
for fixture in fixtures {
    let base = folder + "/" + fixture
    let label = fixture.padding(toLength: 8, withPad: " ", startingAt: 0)
    do {
        let source = try read(base + "/templates/index.liquid")
        var partials: [String: String] = [:]
        for file in try files.contentsOfDirectory(atPath: base + "/templates") where file != "index.liquid" {
            let text = try read(base + "/templates/" + file)
            partials[file] = text
            if file.hasSuffix(".liquid") { partials[String(file.dropLast(7))] = text }
        }
        guard case .object(let data) = try JSONReader.value(of: try read(base + "/data.json")) else {
            throw BenchError("data.json is not an object")
        }
        let expected = try read(base + "/expected_result.txt")
        let options = RenderOptions(loader: InMemoryLoader(partials))

        let template = try Template.parse(source, name: "index.liquid")
        let output = try template.render(data, options: options)

        let parse = try medianMicroseconds { try Template.parse(source, name: "index.liquid").name?.count ?? 0 }
        let render = try medianMicroseconds { try template.render(data, options: options).utf8.count }

        let got = collapsingWhitespace(maskingYears(output, currentYear...currentYear))
        let want = collapsingWhitespace(maskingYears(expected, 2000...currentYear))
        let check = got == want ? "OK" : "MISMATCH"
        var line = label + String(format: "%9.1f  %10.1f   ", parse, render) + check
        if let goal = goals[fixture] { line += "   render " + goal }
        print(line)
        if got != want {
            failures += 1
            print("    " + differenceHint(got, want))
        }
    } catch {
        failures += 1
        print(label + "   ERROR: \(error)")
    }
}
print("")
if failures > 0 {
    print("\(failures) of \(fixtures.count) fixtures failed")
    exit(1)
}
print("all \(fixtures.count) fixtures match")
