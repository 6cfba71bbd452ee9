import Liquid
import Testing

/// The standard tags, each with a few examples.
@Suite struct TagTableTests {
    static let partials = InMemoryLoader([
        "greet": "Hello, {{ name }}!",
        "item": "[{{ item }}{% if forloop %}:{{ forloop.index }}{% endif %}]",
        "counter": "{% increment n %}",
        "setter": "{% assign shared = 'set' %}",
        "broken": "{{ 1 | divided_by: 0 }}",
        "bad syntax": "{% if %}",
        "self": "{% include 'self' %}",
        "dir/nested": "nested {{ name }}",
    ])

    static func renderWithPartials(_ source: String, _ variables: ValueObject = [:]) throws(LiquidError) -> String {
        try Template.parse(source, name: "page").render(variables, options: RenderOptions(loader: partials))
    }

    @Test(arguments: [
        ("{% cycle 'a', 'b' %}{% cycle 'a', 'b' %}{% cycle 'a', 'b' %}", "aba"),
        ("{% for i in (1..4) %}{% cycle 'x': 1, 2 %}{% endfor %}", "1212"),
        ("{% increment c %}{% increment c %}{% decrement d %}{{ c }}", "01-12"),
        ("{% for i in (1..3) %}{% ifchanged %}{{ i | divided_by: 2 }}{% endifchanged %}{% endfor %}", "01"),
        ("{% echo 'x' | upcase %}", "X"),
        ("{% liquid\n assign x = 2\n if x > 1\n echo 'big'\n endif\n %}", "big"),
        ("{% raw %}{% if %}{{ x }}{% endraw %}", "{% if %}{{ x }}"),
        ("a{% doc %}{% anything %}{% enddoc %}b", "ab"),
        ("a{%# a comment %}b", "ab"),
        ("a{% comment %}{% if %}{% endcomment %}b", "ab"),
        ("{% for i in (1..3) %}{{ i }}{% unless forloop.last %}, {% endunless %}{% endfor %}", "1, 2, 3"),
        (
            "{% for x in (1..2) %}{% for y in (1..2) %}{{ forloop.parentloop.index }}{{ y }} {% endfor %}{% endfor %}",
            "11 12 21 22 "
        ),
        (
            "{% for x in (1..6) limit: 2 %}{{ x }}{% endfor %}|{% for x in (1..6) offset: continue %}{{ x }}{% endfor %}",
            "12|3456"
        ),
        (
            "{% tablerow x in (1..3) cols: 2 %}{{ x }}{% endtablerow %}",
            "<tr class=\"row1\">\n<td class=\"col1\">1</td><td class=\"col2\">2</td></tr>\n<tr class=\"row2\"><td class=\"col1\">3</td></tr>\n"
        ),
        ("{% case 'b' %}{% when 'a' %}A{% when 'b', 'c' %}BC{% else %}?{% endcase %}", "BC"),
        ("{% if true %}\n  \n{% endif %}x", "x"),
        ("{%- assign x = 1 -%}\n  {{- x -}}  \n", "1"),
    ])
    func tag(source: String, expected: String) throws {
        #expect(try render(source) == expected)
    }

    @Test func includeSharesVariables() throws {
        #expect(try Self.renderWithPartials("{% include 'greet' %}", ["name": "Ada"]) == "Hello, Ada!")
        #expect(try Self.renderWithPartials("{% include 'greet', name: 'Bo' %}") == "Hello, Bo!")
        #expect(try Self.renderWithPartials("{% include 'setter' %}{{ shared }}") == "set")
        #expect(try Self.renderWithPartials("{% include 'item' with 5 %}") == "[5]")
        #expect(try Self.renderWithPartials("{% include 'dir/nested', name: 'x' %}") == "nested x")
        #expect(try Self.renderWithPartials("{% increment n %}{% include 'counter' %}") == "01")
    }

    @Test func renderIsIsolated() throws {
        #expect(try Self.renderWithPartials("{% render 'greet' %}", ["name": "Ada"]) == "Hello, !")
        #expect(try Self.renderWithPartials("{% render 'greet', name: 'Bo' %}") == "Hello, Bo!")
        #expect(try Self.renderWithPartials("{% render 'setter' %}{{ shared }}") == "")
        #expect(try Self.renderWithPartials("{% render 'item' for list %}", ["list": [1, 2]]) == "[1:1][2:2]")
        #expect(try Self.renderWithPartials("{% render 'item' with 7 as item %}") == "[7]")
        #expect(try Self.renderWithPartials("{% increment n %}{% render 'counter' %}") == "00")
    }

    @Test func partialErrorsNameThePartial() {
        do {
            _ = try Self.renderWithPartials("line\n{% include 'broken' %}")
            Issue.record("expected an error")
        } catch {
            #expect(error.templateName == "broken")
            #expect(error.line == 1)
            #expect(error.kind == .argument)
            #expect(error.description == "broken:1:8: divided by 0 (in a partial included at page:2:1)")
        }
        do {
            _ = try Self.renderWithPartials("{% render 'bad syntax' %}")
            Issue.record("expected an error")
        } catch {
            #expect(error.templateName == "bad syntax")
            #expect(error.kind == .syntax)
        }
        do {
            _ = try Self.renderWithPartials("\n  {% render 'missing' %}")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .templateNotFound)
            #expect(error.templateName == "page")
            #expect(error.line == 2)
            #expect(error.column == 3)
        }
        #expect(throws: LiquidError.self) { try render("{% include 'greet' %}") }
    }

    @Test func selfIncludeHitsTheDepthLimit() {
        do {
            _ = try Self.renderWithPartials("{% include 'self' %}")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .limitExceeded)
        }
    }

    @Test(arguments: [
        "{% if x %}", "{% for x in y %}", "{% endif %}", "{% else %}", "{% nosuch %}", "{{ x | }}", "{{ x y }}",
        "{% assign = 1 %}", "{% assign x 1 %}", "{% for in y %}{% endfor %}", "{% case %}{% endcase %}",
        "{% raw %}x", "{% comment %}x", "{{ 'unclosed }}", "{{ x", "{% if x", "{% if a = b %}{% endif %}",
        "{% if a === b %}{% endif %}", "{% cycle %}", "{% render name %}", "{% liquid\nif x\n%}",
        "{{ a.0 }}",
    ])
    func syntaxErrors(source: String) {
        #expect(throws: LiquidError.self) { try Template.parse(source, options: ParseOptions(strict: true)) }
    }
}
