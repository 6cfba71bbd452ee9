import Liquid
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Render limits keep hostile templates from hanging or exhausting the caller.
@Suite struct LimitTests {
    func expectLimit(_ source: String, _ options: RenderOptions, _ variables: ValueObject = [:]) {
        do {
            _ = try Template.parse(source).render(variables, options: options)
            Issue.record("expected a limit error")
        } catch {
            #expect(error.kind == .limitExceeded)
            #expect(error.line == 1)
        }
    }

    @Test func loopIterations() {
        expectLimit("{% for i in (1..1000) %}{% for j in (1..1000) %}{% endfor %}{% endfor %}", RenderOptions())
        expectLimit("{% for i in (1..20) %}x{% endfor %}", RenderOptions(maxLoopIterations: 10))
    }

    @Test func outputSize() {
        expectLimit("{% for i in (1..100) %}0123456789{% endfor %}", RenderOptions(maxOutputBytes: 500))
        expectLimit(
            "{% assign s = 'xx' %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}",
            RenderOptions(maxOutputBytes: 1 << 20))
        expectLimit(
            "{% capture s %}{% for i in (1..100) %}0123456789{% endfor %}{% endcapture %}",
            RenderOptions(maxOutputBytes: 500))
        expectLimit(
            "{{ s | replace: '', s }}", RenderOptions(maxOutputBytes: 1000),
            ["s": .string(String(repeating: "a", count: 100))])
    }

    @Test func textAfterTheLastCheckCountsTowardTheOutputLimit() throws {
        let options = RenderOptions(maxOutputBytes: 1000)
        let loop = try Template.parse("{% for i in (1..n) %}0123456789{% endfor %}")
        #expect(try loop.render(["n": 100], options: options).utf8.count == 1000)
        #expect(throws: LiquidError.self) { try loop.render(["n": 101], options: options) }
        #expect(throws: LiquidError.self) {
            try Template.parse(String(repeating: "x", count: 1001)).render([:], options: options)
        }
    }

    @Test func renderTime() {
        expectLimit(
            "{% for i in (1..10000000) %}{{ i | times: 2 | plus: 1 | modulo: 7 }}{% endfor %}",
            RenderOptions(maxLoopIterations: 100_000_000, maxOutputBytes: 1 << 30, maxRenderTime: .milliseconds(50)))
    }

    /// A deadline already passed is noticed within the first filter over a large value, not
    /// only after 256 loop iterations: filter work counts toward the checks (no timing involved).
    @Test func filterWorkOnALargeValueBringsTheDeadlineCheck() throws {
        let big: ValueObject = ["big": .string(String(repeating: "abcd", count: 5_000))]
        let source = "{% for i in (1..3) %}{{ big | split: '' | join: '' | size }}{% endfor %}"
        let generous = RenderOptions(maxRenderTime: .seconds(600))
        #expect(try Template.parse(source).render(big, options: generous) == "200002000020000")
        do {
            _ = try Template.parse(source).render(big, options: RenderOptions(maxRenderTime: .zero))
            Issue.record("expected the time limit")
        } catch {
            #expect(error.kind == .limitExceeded)
            #expect(error.message.contains("took longer"))
        }
    }

    /// Heavy filter work in each iteration stops at the time limit with the time-limit error
    /// (unchecked, 100,000 iterations of it would take many minutes). No timing is asserted: a
    /// single filter call may overshoot the limit on a loaded machine, and that is allowed.
    @Test func heavyFilterWorkPerIterationStopsAtTheTimeLimit() async {
        let big: ValueObject = ["big": .string(String(repeating: "abcd", count: 5_000))]
        let source = "{% for i in (1..100000) %}{{ big | split: '' | join: '' | size }}{% endfor %}"
        let result = await Task.detached { () -> LiquidError? in
            do throws(LiquidError) {
                _ = try Template.parse(source).render(big, options: RenderOptions(maxRenderTime: .milliseconds(100)))
                return nil
            } catch {
                return error
            }
        }.value
        #expect(result?.kind == .limitExceeded)
        #expect(result?.message.contains("took longer") == true)
    }

    @Test func hugeRanges() throws {
        expectLimit("{{ (1..100000000000) | join: ',' }}", RenderOptions())
        let limited = try Template.parse("{% for i in (1..100000000000) limit: 3 %}{{ i }}{% endfor %}")
        #expect(try limited.render([:]) == "123")
    }

    @Test func deepPartialNestingStopsBeforeTheStackEnds() async {
        let deep =
            String(repeating: "{% if true %}", count: 90) + "{% include 'deep' %}"
            + String(repeating: "{% endif %}", count: 90)
        let options = RenderOptions(loader: InMemoryLoader(["deep": deep]))
        let result = await Task.detached { () -> LiquidError? in
            do throws(LiquidError) {
                _ = try Template.parse("{% include 'deep' %}").render([:], options: options)
                return nil
            } catch {
                return error
            }
        }.value
        #expect(result?.kind == .limitExceeded)
    }

    @Test func deepNestingIsASyntaxError() {
        let deep = String(repeating: "{% if true %}", count: 150) + String(repeating: "{% endif %}", count: 150)
        #expect(throws: LiquidError.self) { try Template.parse(deep) }
        let brackets = "{{ " + String(repeating: "a[", count: 100) + "0" + String(repeating: "]", count: 100) + " }}"
        #expect(throws: LiquidError.self) { try Template.parse(brackets) }
        let conditions = "{% if " + Array(repeating: "a", count: 500).joined(separator: " and ") + " %}{% endif %}"
        #expect(throws: LiquidError.self) { try Template.parse(conditions) }
    }

    /// Inputs that make naive filters quadratic give the right answer (their running time is
    /// measured by `Scripts/bench liquid`, not asserted here).
    @Test func adversarialFilterInputsGiveTheRightAnswer() throws {
        let variables: ValueObject = [
            "a": .string(String(repeating: "a", count: 200_000)),
            "b": .string(String(repeating: "a", count: 100_000) + "b"),
            "tags": .string(String(repeating: "<script", count: 20_000) + String(repeating: "<", count: 50_000)),
        ]
        let source = """
            {{ a | replace: b, 'x' | size }} {{ a | split: b | size }} {% if a contains b %}yes{% endif %}
            {{ tags | strip_html | size }} {% assign r = (1..60000) %}{{ r | uniq | size }}
            """
        #expect(try render(source, variables) == "200000 1 \n190000 60000")
    }

    @Test func longSingleLineTemplatesParseWhole() throws {
        let source = String(repeating: "{{ x }}", count: 50_000)
        #expect(try render(source, ["x": .string("ab")]) == String(repeating: "ab", count: 50_000))
    }
}

/// Loaders: in memory and from a directory.
@Suite struct LoaderTests {
    /// A fresh temporary directory.
    static func temporaryDirectory() -> String {
        var template = Array("/tmp/liquid-tests-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return String(cString: path!)
    }

    static func write(_ text: String, to path: String) {
        let file = fopen(path, "wb")!
        _ = text.utf8CString.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count - 1, file) }
        fclose(file)
    }

    @Test func directoryLoader() throws {
        let directory = Self.temporaryDirectory()
        Self.write("Hi {{ who }}", to: directory + "/greeting.liquid")
        Self.write("plain", to: directory + "/plain.txt")
        mkdir(directory + "/sub", 0o755)
        Self.write("sub {{ 1 | plus: 1 }}", to: directory + "/sub/part.liquid")
        let loader = DirectoryLoader(directory: directory)
        let options = RenderOptions(loader: loader)
        let page = try Template.parse(
            "{% render 'greeting', who: 'you' %} {% include 'plain.txt' %} {% include 'sub/part' %}")
        #expect(try page.render([:], options: options) == "Hi you plain sub 2")
        #expect(try loader.source(named: "nothing") == nil)
        #expect(throws: LiquidError.self) { try loader.source(named: "../etc/passwd") }
        #expect(throws: LiquidError.self) { try loader.source(named: "/etc/passwd") }
        // A changed file is read again (its size changes).
        Self.write("Hello again {{ who }}", to: directory + "/greeting.liquid")
        #expect(try page.render([:], options: options) == "Hello again you plain sub 2")
    }

    @Test(arguments: [
        "../etc/passwd", "/etc/passwd", "a/../../b", "..", ".", "./a", "a//b", "a/", ".hidden", "a\u{0}b", "a\\..\\b",
        "\u{FF0E}\u{FF0E}\u{FF0F}b", "\u{2215}etc\u{2215}passwd", "a b", "", String(repeating: "a", count: 256),
    ])
    func aPartialNameThatCouldLeaveTheDirectoryIsRejected(_ name: String) {
        #expect(!DirectoryLoader.isValidName(name))
        let loader = DirectoryLoader(directory: Self.temporaryDirectory())
        #expect(throws: LiquidError.self) { try loader.source(named: name) }
    }

    @Test(arguments: ["a", "sub/part", "plain.txt", "a-b_c.d", String(repeating: "a", count: 255)])
    func anOrdinaryPartialNameIsValid(_ name: String) {
        #expect(DirectoryLoader.isValidName(name))
    }

    @Test func inMemoryLoaderCachesParsedPartials() throws {
        let loader = InMemoryLoader(["a": "A{{ x }}"])
        let first = try loader.template(named: "a", options: ParseOptions())
        let second = try loader.template(named: "a", options: ParseOptions())
        #expect(first?.name == "a")
        #expect(second?.name == "a")
        #expect(try loader.template(named: "b", options: ParseOptions()) == nil)
    }
}

/// One parsed template serves many threads.
@Suite struct ConcurrencyTests {
    @Test func concurrentRenders() async throws {
        let template = try Template.parse(
            "{% for i in (1..n) %}{{ i | times: k }},{% endfor %}{% include 'p' %}")
        let options = RenderOptions(loader: InMemoryLoader(["p": "[{{ k }}]"]))
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for k in 0..<32 {
                group.addTask {
                    let output = try template.render(["n": 50, "k": .int(k)], options: options)
                    let expected = (1...50).map { String($0 * k) + "," }.joined() + "[\(k)]"
                    return output == expected
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
