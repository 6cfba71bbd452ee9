// The Liquid render benchmark (Scripts/bench liquid).
//
// For each fixture `NNN/` of the folder given as the first argument (`templates/index.liquid`, its
// partials beside it, `data.json`, `expected_result.txt`): times parsing the entry template and
// rendering it, and checks the output against the expected one, allowing for the year and for
// whitespace. Exits non-zero when an output does not match.

import DeskKit
import Foundation
import Generation
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

/// Whether times are the thread's CPU time instead of elapsed time (`LIQUID_BENCH_CPU_TIME=1`):
/// on a machine shared with other busy processes, time spent waiting for a core is left out,
/// so runs of two builds compare better.
let cpuTime = ProcessInfo.processInfo.environment["LIQUID_BENCH_CPU_TIME"] == "1"

/// Now, in seconds, on the clock the benchmark uses: elapsed (monotonic) or this thread's CPU time.
func now() -> Double {
    var time = timespec()
    clock_gettime(cpuTime ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// The median over `rounds` rounds of the microseconds per call of `body`; each round repeats it
/// enough times to last at least `minimumRound`.
func medianMicroseconds(_ body: () throws -> Int) rethrows -> Double {
    // Warm up and find the number of calls that lasts a round.
    var iterations = 1
    while true {
        let start = now()
        for _ in 0..<iterations { sink &+= try body() }
        if now() - start >= seconds(minimumRound) { break }
        iterations *= 2
    }
    var perCall: [Double] = []
    for _ in 0..<rounds {
        let start = now()
        for _ in 0..<iterations { sink &+= try body() }
        perCall.append((now() - start) * 1e6 / Double(iterations))
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
        + "\(Int(seconds(minimumRound) * 1000)) ms each; µs per call"
        + (cpuTime ? " of this thread's CPU time (LIQUID_BENCH_CPU_TIME=1)" : " (elapsed)"))
print("parse: the entry template (index.liquid); render: with its partials pre-loaded in an InMemoryLoader")
print("(parsed once, cached), so no file I/O or partial parsing is timed; data.json is converted beforehand")
print("files µs: the same render with the partials read through a DirectoryLoader of the fixture's templates/")
print("(a stat(2) per partial lookup, parsed once), for fixtures that have partials")
print("output checked against expected_result.txt with whitespace runs collapsed and years 2000–\(currentYear)")
print("as YYYY in the expected text (the current year only in ours)")
print("")
print("fixture    parse µs   render µs   files µs   check")

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
        guard case .object(let data) = Value(json: try JSONValue.parse(try read(base + "/data.json"))) else {
            throw BenchError("data.json is not an object")
        }
        let expected = try read(base + "/expected_result.txt")
        let options = RenderOptions(loader: InMemoryLoader(partials))

        let template = try Template.parse(source, name: "index.liquid")
        let output = try template.render(data, options: options)

        let parse = try medianMicroseconds { try Template.parse(source, name: "index.liquid").name?.count ?? 0 }
        let render = try medianMicroseconds { try template.render(data, options: options).utf8.count }
        var files = "         -"
        if !partials.isEmpty {
            let fileOptions = RenderOptions(loader: DirectoryLoader(directory: base + "/templates"))
            guard try template.render(data, options: fileOptions) == output else {
                throw BenchError("the render through a DirectoryLoader differs from the in-memory one")
            }
            files = String(
                format: "%10.1f", try medianMicroseconds { try template.render(data, options: fileOptions).utf8.count })
        }

        let got = collapsingWhitespace(maskingYears(output, currentYear...currentYear))
        let want = collapsingWhitespace(maskingYears(expected, 2000...currentYear))
        let check = got == want ? "OK" : "MISMATCH"
        var line = label + String(format: "%9.1f  %10.1f ", parse, render) + files + "   " + check
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
