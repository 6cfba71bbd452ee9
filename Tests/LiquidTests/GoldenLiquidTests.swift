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

    static func loadCases() throws -> [Case] {
        guard let text = readFile(suitePath) else { throw TestJSON.Failure(description: "cannot read \(suitePath)") }
        guard case .object(let root) = try TestJSON.parse(text), case .array(let tests)? = root["tests"] else {
            throw TestJSON.Failure(description: "no tests")
        }
        return tests.compactMap { test in
            guard case .object(let t) = test, case .string(let name)? = t["name"],
                case .string(let template)? = t["template"]
            else { return nil }
            var data = ValueObject()
            if case .object(let d)? = t["data"] { data = d }
            var partials: [String: String] = [:]
            if case .object(let p)? = t["templates"] {
                for (key, value) in p.pairs { if case .string(let s) = value { partials[key] = s } }
            }
            var results: [String] = []
            if case .string(let r)? = t["result"] { results = [r] }
            if case .array(let rs)? = t["results"] {
                results = rs.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
            }
            var invalid = false
            if case .bool(true)? = t["invalid"] { invalid = true }
            var strict = false
            if case .array(let tags)? = t["tags"] { strict = tags.contains(.string("strict")) }
            return Case(
                name: name, template: template, data: data, partials: partials, results: results, invalid: invalid,
                strict: strict)
        }
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

    @Test func conformance() throws {
        let cases = try Self.loadCases()
        #expect(cases.count > 700)
        var passed = 0
        var failures: [(String, String)] = []
        for c in cases {
            if let problem = Self.check(c) {
                failures.append((c.name, problem))
            } else {
                passed += 1
            }
        }
        print("golden liquid: \(passed) passed, \(failures.count) failed, of \(cases.count)")
        for (name, problem) in failures where Self.skipped[name] == nil {
            Issue.record("\(name): \(problem)")
        }
        for (name, _) in Self.skipped where !failures.contains(where: { $0.0 == name }) {
            print("golden liquid: skipped case now passes: \(name)")
        }
        #expect(Double(passed) >= Double(cases.count) * 0.99)
    }
}
