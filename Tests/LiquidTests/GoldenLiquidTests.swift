import Liquid
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The golden-liquid conformance suite (`../shared/liquid/golden_liquid.json`, read at test time).
@Suite struct GoldenLiquidTests {
    /// Cases this engine does not pass, each with the reason.
    static let skipped: [String: String] = [:]

    /// One case of the suite.
    struct Case {
        let name: String
        let template: String
        let data: ValueObject
        let partials: [String: String]
        let results: [String]
        let invalid: Bool
        let strict: Bool
    }

    /// The suite's file: `<repo>/../shared/liquid/golden_liquid.json`.
    static var suitePath: String {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/LiquidTests/GoldenLiquidTests.swift
        return parts.joined(separator: "/") + "/../shared/liquid/golden_liquid.json"
    }

    static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The suite as read: the cases that could be read, those that could not (name and why), and
    /// how many entries the file's `tests` array has.
    struct Suite {
        var cases: [Case] = []
        var unreadable: [(name: String, reason: String)] = []
        var fileCount = 0
    }

    /// Reads the suite's JSON text. An entry that is not a well-formed case is kept in
    /// `unreadable` with its name (or its position), never dropped.
    static func loadSuite(_ text: String) throws -> Suite {
        guard case .object(let root) = try TestJSON.parse(text), case .array(let tests)? = root["tests"] else {
            throw TestJSON.Failure(description: "no \"tests\" array")
        }
        var suite = Suite(fileCount: tests.count)
        for (index, test) in tests.enumerated() {
            switch readCase(test) {
            case .success(let c): suite.cases.append(c)
            case .failure(let failure):
                var name = "tests[\(index)]"
                if case .object(let t) = test, case .string(let n)? = t["name"] { name = n }
                suite.unreadable.append((name, failure.description))
            }
        }
        return suite
    }

    /// One entry of the suite's `tests` array as a case, or why it is not one.
    static func readCase(_ test: Value) -> Result<Case, TestJSON.Failure> {
        func failure(_ why: String) -> Result<Case, TestJSON.Failure> { .failure(TestJSON.Failure(description: why)) }
        guard case .object(let t) = test else { return failure("not an object") }
        guard case .string(let name)? = t["name"] else { return failure("no string \"name\"") }
        guard case .string(let template)? = t["template"] else { return failure("no string \"template\"") }
        var data = ValueObject()
        switch t["data"] {
        case nil: break
        case .object(let d)?: data = d
        default: return failure("\"data\" is not an object")
        }
        var partials: [String: String] = [:]
        switch t["templates"] {
        case nil: break
        case .object(let p)?:
            for (key, value) in p.pairs {
                guard case .string(let s) = value else { return failure("partial '\(key)' is not a string") }
                partials[key] = s
            }
        default: return failure("\"templates\" is not an object")
        }
        var invalid = false
        switch t["invalid"] {
        case nil: break
        case .bool(let b)?: invalid = b
        default: return failure("\"invalid\" is not a boolean")
        }
        var results: [String] = []
        switch (t["result"], t["results"]) {
        case (nil, nil): if !invalid { return failure("no \"result\", \"results\" or \"invalid\"") }
        case (.string(let r)?, nil): results = [r]
        case (nil, .array(let rs)?):
            for r in rs {
                guard case .string(let s) = r else { return failure("a \"results\" item is not a string") }
                results.append(s)
            }
            if results.isEmpty { return failure("\"results\" is empty") }
        default: return failure("\"result\" is not a string or \"results\" not an array (or both are given)")
        }
        var strict = false
        switch t["tags"] {
        case nil: break
        case .array(let tags)?: strict = tags.contains(.string("strict"))
        default: return failure("\"tags\" is not an array")
        }
        return .success(
            Case(
                name: name, template: template, data: data, partials: partials, results: results, invalid: invalid,
                strict: strict))
    }

    /// What rendering a case gave: its output or its error.
    static func run(_ c: Case) -> Result<String, LiquidError> {
        do throws(LiquidError) {
            let template = try Template.parse(c.template, name: "test", options: ParseOptions(strict: c.strict))
            let options = RenderOptions(strict: c.strict, loader: InMemoryLoader(c.partials))
            return .success(try template.render(c.data, options: options))
        } catch {
            return .failure(error)
        }
    }

    /// Whether a case passes, and what went wrong if not.
    static func check(_ c: Case) -> String? {
        switch run(c) {
        case .success(let output):
            if c.invalid { return "expected an error, got \(String(reflecting: output))" }
            if c.results.contains(output) { return nil }
            return
                "expected \(c.results.map { String(reflecting: $0) }.joined(separator: " or ")), got \(String(reflecting: output))"
        case .failure(let error):
            if c.invalid { return nil }
            return "unexpected error: \(error)"
        }
    }

    /// The outcome of the suite: counts, and the problems that fail the test.
    struct Tally {
        var passed = 0
        var failed = 0
        var skipped = 0
        var problems: [String] = []
    }

    /// Tallies the cases' outcomes (`nil` for a pass, else what went wrong) against the skip list.
    ///
    /// A problem is: a case that fails and is not skipped; an unreadable case (a failure too); a
    /// skipped case that now passes (it must leave the skip list); a skip-list name that is not
    /// in the suite.
    static func tally(
        outcomes: [(name: String, problem: String?)], unreadable: [(name: String, reason: String)],
        skipped: [String: String]
    ) -> Tally {
        var tally = Tally()
        var names: Set<String> = []
        for (name, problem) in outcomes {
            names.insert(name)
            switch (problem, skipped[name]) {
            case (nil, nil): tally.passed += 1
            case (nil, _?):
                tally.passed += 1
                tally.problems.append("\(name): skipped but now passes: remove it from the skip list")
            case (let problem?, nil):
                tally.failed += 1
                tally.problems.append("\(name): \(problem)")
            case (_?, _?): tally.skipped += 1
            }
        }
        for (name, reason) in unreadable {
            names.insert(name)
            tally.failed += 1
            tally.problems.append("\(name): cannot be read: \(reason)")
        }
        for name in skipped.keys.sorted() where !names.contains(name) {
            tally.problems.append("\(name): in the skip list but not in the suite")
        }
        return tally
    }

    @Test func conformance() throws {
        guard let text = Self.readFile(Self.suitePath) else {
            throw TestJSON.Failure(description: "cannot read \(Self.suitePath)")
        }
        let suite = try Self.loadSuite(text)
        #expect(suite.fileCount > 0)
        #expect(suite.cases.count == suite.fileCount, "every case of the file is loaded")
        let tally = Self.tally(
            outcomes: suite.cases.map { ($0.name, Self.check($0)) }, unreadable: suite.unreadable,
            skipped: Self.skipped)
        print(
            "golden liquid: \(tally.passed) passed, \(tally.failed) failed, \(tally.skipped) skipped, of \(suite.fileCount)"
        )
        for problem in tally.problems { Issue.record("\(problem)") }
        #expect(Double(tally.passed) >= Double(suite.fileCount) * 0.99)
    }

    @Test func aSkippedCaseThatPassesOrIsNotInTheSuiteIsAProblem() {
        let tally = Self.tally(
            outcomes: [("a", nil), ("b", "wrong"), ("c", "wrong")], unreadable: [],
            skipped: ["a": "was broken", "b": "known", "gone": "renamed"])
        #expect(tally.passed == 1)
        #expect(tally.failed == 1)
        #expect(tally.skipped == 1)
        #expect(
            tally.problems == [
                "a: skipped but now passes: remove it from the skip list", "c: wrong",
                "gone: in the skip list but not in the suite",
            ])
    }

    @Test func anUnreadableCaseIsAFailureWithItsName() throws {
        let text = """
            {"tests": [
              {"name": "ok", "template": "x", "result": "x"},
              {"name": "no result", "template": "x"},
              {"name": "bad partial", "template": "x", "result": "x", "templates": {"p": 1}},
              {"template": "nameless", "result": "x"},
              {"name": "bad results", "template": "x", "results": ["x", 2]}
            ]}
            """
        let suite = try Self.loadSuite(text)
        #expect(suite.fileCount == 5)
        #expect(suite.cases.map(\.name) == ["ok"])
        #expect(suite.unreadable.map(\.name) == ["no result", "bad partial", "tests[3]", "bad results"])
        let tally = Self.tally(
            outcomes: suite.cases.map { ($0.name, Self.check($0)) }, unreadable: suite.unreadable, skipped: [:])
        #expect(tally.passed == 1)
        #expect(tally.failed == 4)
        #expect(tally.problems.count == 4)
        #expect(tally.problems.allSatisfy { $0.contains("cannot be read") })
    }
}
