import Liquid
import Testing

/// Renders `source` with `variables` (lax unless `strict`).
func render(
    _ source: String, _ variables: ValueObject = ValueObject(), strict: Bool = false
) throws(LiquidError)
    -> String
{
    let template = try Template.parse(source, name: "t", options: ParseOptions(strict: strict))
    return try template.render(variables, options: RenderOptions(strict: strict))
}

@Suite struct OutputTests {
    static let product: ValueObject = [
        "title": "Shoe", "price": 12.5, "tags": ["a", "b", "c"], "meta": ["size": 3, "first": "x"],
    ]

    @Test(arguments: [
        ("{{ product.title }}", "Shoe"),
        ("{{ product['title'] }}", "Shoe"),
        ("{{ product.tags[0] }}", "a"),
        ("{{ product.tags[-1] }}", "c"),
        ("{{ product.tags.size }}", "3"),
        ("{{ product.tags.first }}-{{ product.tags.last }}", "a-c"),
        ("{{ product.meta.size }}", "3"),
        ("{{ product.meta.first }}", "x"),
        ("{{ product.price }}", "12.5"),
        ("{{ product.missing }}", ""),
        ("{{ \"it's\" }}", "it's"),
        ("{{ 42 }} {{ -1.5 }} {{ true }} {{ nil }}", "42 -1.5 true "),
        ("{{ (1..3) | join: ',' }}", "1,2,3"),
        ("{{ product.tags }}", "abc"),
    ])
    func paths(source: String, expected: String) throws {
        #expect(try render(source, ["product": .object(Self.product)]) == expected)
    }

    @Test func whitespaceControl() throws {
        #expect(try render("a  {{- 'b' -}}  c") == "abc")
        #expect(try render("a \n {%- if true -%} \n b \n {%- endif -%} \n c") == "abc")
    }

    @Test func rawAndComments() throws {
        #expect(try render("{% raw %}{{ x }}{% endraw %}") == "{{ x }}")
        #expect(try render("a{% comment %}{{ x }}{% endcomment %}b{%# note %}c") == "abc")
    }
}

@Suite struct TagTests {
    @Test(arguments: [
        ("{% if a > 1 and b %}yes{% else %}no{% endif %}", "yes"),
        ("{% if a == 2 or b == 1 %}yes{% endif %}", "yes"),
        ("{% if s contains 'ell' %}yes{% endif %}", "yes"),
        ("{% if list contains 2 %}yes{% endif %}", "yes"),
        ("{% unless a == 2 %}yes{% else %}no{% endunless %}", "no"),
        ("{% if a < 1 %}1{% elsif a <= 2 %}2{% else %}3{% endif %}", "2"),
        ("{% if a != 2 %}x{% endif %}", ""),
        ("{% if missing %}x{% else %}y{% endif %}", "y"),
    ])
    func conditions(source: String, expected: String) throws {
        #expect(try render(source, ["a": 2, "b": true, "s": "hello", "list": [1, 2, 3]]) == expected)
    }

    @Test func loops() throws {
        let data: ValueObject = ["items": [1, 2, 3, 4, 5]]
        #expect(try render("{% for i in items %}{{ i }}{% endfor %}", data) == "12345")
        #expect(try render("{% for i in items limit: 2 offset: 1 %}{{ i }}{% endfor %}", data) == "23")
        #expect(try render("{% for i in items reversed %}{{ i }}{% endfor %}", data) == "54321")
        #expect(
            try render("{% for i in (1..3) %}{{ forloop.index }}/{{ forloop.length }} {% endfor %}") == "1/3 2/3 3/3 ")
        #expect(
            try render("{% for i in items %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}", data) == "12")
        #expect(
            try render("{% for i in items %}{% if i == 3 %}{% continue %}{% endif %}{{ i }}{% endfor %}", data)
                == "1245")
        #expect(try render("{% for i in nothing %}x{% else %}empty{% endfor %}") == "empty")
    }

    @Test func assignAndCapture() throws {
        #expect(try render("{% assign x = 'a' | upcase %}{{ x }}") == "A")
        #expect(try render("{% capture c %}{{ 1 | plus: 2 }}!{% endcapture %}{{ c }}") == "3!")
    }

    @Test func caseWhen() throws {
        let source = "{% case x %}{% when 1, 2 %}low{% when 3 %}three{% else %}other{% endcase %}"
        #expect(try render(source, ["x": 2]) == "low")
        #expect(try render(source, ["x": 3]) == "three")
        #expect(try render(source, ["x": 9]) == "other")
    }
}

@Suite struct FilterTests {
    @Test(arguments: [
        ("{{ 'hello' | upcase }}", "HELLO"),
        ("{{ 'HeLLo' | downcase }}", "hello"),
        ("{{ 'hello world' | capitalize }}", "Hello world"),
        ("{{ nothing | default: 'x' }}", "x"),
        ("{{ 'a' | append: 'b' | prepend: 'c' }}", "cab"),
        ("{{ 'abc' | size }}", "3"),
        ("{{ '  a  ' | strip }}|", "a|"),
        ("{{ 'a-b-c' | replace: '-', '+' }}", "a+b+c"),
        ("{{ '<a href=\"x\">' | escape }}", "&lt;a href=&quot;x&quot;&gt;"),
        ("{{ 2 | plus: 3 }} {{ 2 | minus: 3 }} {{ 2 | times: 3 }}", "5 -1 6"),
        ("{{ 10.1 | plus: 2.2 }}", "12.3"),
        ("{{ 7 | divided_by: 2 }} {{ 7.0 | divided_by: 2 }}", "3 3.5"),
        ("{{ -7 | modulo: 3 }}", "2"),
        ("{{ 'a,b' | split: ',' | last }}", "b"),
        ("{{ 'a,b' | split: ',' | first }}", "a"),
    ])
    func filters(source: String, expected: String) throws {
        #expect(try render(source) == expected)
    }
}

@Suite struct ErrorTests {
    @Test func syntaxErrorsAreLocated() {
        #expect(throws: LiquidError.self) { try Template.parse("{% if %}") }
        do {
            _ = try Template.parse("line one\n  {% nosuchtag %}", name: "page")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.line == 2)
            #expect(error.column == 3)
            #expect(error.description == "page:2:3: unknown tag 'nosuchtag'")
        }
    }

    @Test func strictModeRejectsUndefinedVariablesAndFilters() throws {
        #expect(try render("{{ x }}") == "")
        #expect(throws: LiquidError.self) { try render("{{ x }}", strict: true) }
        #expect(try render("{{ 'a' | nosuch }}") == "a")
        #expect(throws: LiquidError.self) { try render("{{ 'a' | nosuch }}", strict: true) }
    }

    @Test func columnsCountCharacters() {
        do {
            _ = try Template.parse("é {{ 'a' | nosuch }}", options: ParseOptions(strict: true))
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .undefinedFilter)
            #expect(error.column == 12)
        }
        do {
            _ = try render("é\n  {{ 1 | divided_by: 0 }} {{ x }}")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
            #expect(error.column == 10)
        }
    }

    @Test func renderErrorsAreLocated() {
        do {
            _ = try render("ok\n{{ 1 | divided_by: 0 }}")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
            #expect(error.column == 8)
            #expect(error.kind == .argument)
        }
    }
}

/// An error prints as one line, whatever the template quotes in it.
@Suite struct OneLineErrorTests {
    @Test func controlCharactersInAMessageAreEscaped() {
        let error = LiquidError(.syntax, "bad 'a\nb\tc\r\u{1}d\u{2028}'", templateName: "x\ny", line: 1, column: 2)
        #expect(error.message == #"bad 'a\nb\tc\r\u{1}d\u{2028}'"#)
        #expect(error.description == #"x\ny:1:2: bad 'a\nb\tc\r\u{1}d\u{2028}'"#)
        #expect(LiquidError.oneLine("plain 'text' é") == "plain 'text' é")
    }

    @Test(arguments: [
        "{{ 'line one\nline two' | base64_decode }}", "{% for i in (1..3) limit: 'a\r\nb' %}{% endfor %}",
        "{{ 'a' 'line one\nline two' }}", "{% include 'line one\nline two' %}",
    ])
    func anErrorQuotingAStringWithANewlineIsOneLine(_ source: String) {
        do {
            _ = try render(source, strict: true)
            Issue.record("expected an error")
        } catch {
            #expect(!error.description.contains(where: { $0.isNewline }), "\(error.description)")
            #expect(error.description.contains(#"\n"#), "\(error.description)")
        }
    }
}
