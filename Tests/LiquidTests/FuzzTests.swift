import Liquid
import Testing

/// Every filter with extreme inputs and arguments: errors are fine, crashes are not.
@Suite struct FuzzTests {
    static let filters = [
        "abs", "append", "at_least", "at_most", "base64_decode", "base64_encode", "base64_url_safe_decode",
        "base64_url_safe_encode", "capitalize", "ceil", "compact", "concat", "date", "default", "divided_by",
        "downcase", "escape", "escape_once", "find", "find_index", "first", "floor", "has", "join", "json", "last",
        "lstrip", "map", "minus", "modulo", "newline_to_br", "plus", "prepend", "reject", "remove", "remove_first",
        "remove_last", "replace", "replace_first", "replace_last", "reverse", "round", "rstrip", "size", "slice",
        "sort", "sort_natural", "split", "strip", "strip_html", "strip_newlines", "sum", "times", "truncate",
        "truncatewords", "uniq", "upcase", "url_decode", "url_encode", "where",
    ]

    static let extremes: [Value] = [
        .nil, .int(Int.max), .int(Int.min), .int(-1), .double(-1e300), .double(0.5), .string(""),
        .string("-9223372036854775808"), .string("é<a>&"), [1, "a", .nil, [2.5]], ["k": ["k": 1]],
    ]

    @Test(arguments: filters)
    func filterSurvivesExtremes(filter: String) {
        var variables = ValueObject()
        for (i, value) in Self.extremes.enumerated() { variables["v\(i)"] = value }
        let names = (0..<Self.extremes.count).map { "v\($0)" }
        var sources = names.map { "{{ \($0) | \(filter) }}" }
        for input in names {
            for a in names {
                sources.append("{{ \(input) | \(filter): \(a) }}")
                sources.append(
                    "{{ \(input) | \(filter): \(a), \(names[(names.firstIndex(of: a)! + 3) % names.count]) }}")
            }
        }
        let options = RenderOptions(maxOutputBytes: 1 << 16)
        for source in sources {
            do throws(LiquidError) {
                _ = try Template.parse(source).render(variables, options: options)
            } catch {
                #expect(!error.message.isEmpty)
            }
        }
    }

    @Test func tagsSurviveExtremes() {
        let variables: ValueObject = ["big": .int(Int.max), "small": .int(Int.min), "s": "x"]
        let sources = [
            "{% for i in (small..big) limit: 2 %}{{ i }}{% endfor %}",
            "{% for i in (big..big) offset: big limit: big %}{{ i }}{% endfor %}",
            "{% for i in (1..3) offset: small limit: small %}{{ i }}{% endfor %}",
            "{% tablerow i in (1..3) cols: small limit: big offset: small %}{{ i }}{% endtablerow %}",
            "{{ s[small] }}{{ s.size }}{{ (small..big) | size }}",
            "{% cycle big, small %}{% increment big %}{% decrement small %}",
            "{{ big | plus: big }}{{ small | minus: big }}{{ small | times: small }}{{ small | divided_by: -1 }}",
            "{{ small | modulo: -1 }}{{ small | abs }}{{ 1e308 | times: 10 }}{{ 'x' | slice: big, big }}",
        ]
        for source in sources {
            do throws(LiquidError) {
                _ = try Template.parse(source).render(variables)
            } catch {
                #expect(!error.message.isEmpty)
            }
        }
    }
}

/// Random templates from Liquid's pieces: parsing and rendering may fail, never crash.
@Suite struct TemplateFuzzTests {
    static let pieces = [
        "{{", "}}", "{%", "%}", "{{-", "-}}", "{%-", "-%}", " ", "\n", "\t", "x", "y.z", "a[0]", "[", "]", "(", ")",
        "..", ".", "'", "\"", "|", ":", ",", "if", "elsif", "else", "endif", "for", "in", "endfor", "unless",
        "endunless", "case", "when", "endcase", "assign", "=", "==", "<", ">=", "contains", "and", "or", "capture",
        "endcapture", "raw", "endraw", "comment", "endcomment", "liquid", "echo", "cycle", "#", "doc", "enddoc",
        "tablerow", "endtablerow", "limit", "offset", "continue", "break", "reversed", "cols", "upcase",
        "plus", "split", "0", "-1", "2.5", "é", "blank", "empty", "nil", "true", "forloop.index", "include", "render",
        "'p'", "increment", "ifchanged", "endifchanged", "with", "as",
    ]

    @Test func randomTemplates() {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: seed >> 33)
        }
        let options = RenderOptions(
            loader: InMemoryLoader(["p": "{{ x }}{% include 'p' %}"]), maxLoopIterations: 1000, maxOutputBytes: 1 << 16)
        let variables: ValueObject = ["x": [1, 2, 3], "y": ["z": "w"], "a": ["b"]]
        var parsed = 0
        for _ in 0..<20_000 {
            var source = ""
            for _ in 0..<(next() % 24 + 1) { source += Self.pieces[next() % Self.pieces.count] }
            do throws(LiquidError) {
                let template = try Template.parse(source)
                parsed += 1
                _ = try template.render(variables, options: options)
            } catch {
                #expect(!error.message.isEmpty)
            }
        }
        #expect(parsed > 100)
    }
}
