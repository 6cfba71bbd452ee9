import Liquid
import Testing

/// One example (at least) of every standard filter.
@Suite struct FilterTableTests {
    static let data: ValueObject = [
        "products": [
            ["title": "Shoe", "price": 30, "type": "wear", "tags": ["a"]],
            ["title": "hat", "price": 10, "type": "wear", "available": false],
            ["title": "Apple", "price": 2.5, "type": "food", "available": true],
        ],
        "numbers": [3, 1, 2, 3],
        "words": ["b", "A", "c", "a"],
        "nested": [[1, [2]], 3],
        "blankish": [1, .nil, 2],
    ]

    @Test(arguments: [
        ("{{ -4.5 | abs }} {{ '-3' | abs }}", "4.5 3"),
        ("{{ 'a' | append: 1 }}", "a1"),
        ("{{ 3 | at_least: 5 }} {{ 7 | at_least: 5 }}", "5 7"),
        ("{{ 3 | at_most: 2.5 }}", "2.5"),
        ("{{ 'hi there' | base64_encode }}", "aGkgdGhlcmU="),
        ("{{ 'aGkgdGhlcmU=' | base64_decode }}", "hi there"),
        ("{{ '<<>>?' | base64_url_safe_encode }}", "PDw-Pj8="),
        ("{{ 'PDw-Pj8' | base64_url_safe_decode }}", "<<>>?"),
        ("{{ 'mIXED' | capitalize }}", "Mixed"),
        ("{{ 1.2 | ceil }} {{ -1.2 | ceil }}", "2 -1"),
        ("{{ blankish | compact | join: ',' }}", "1,2"),
        ("{{ numbers | concat: words | join: '' }}", "3123bAca"),
        ("{{ 0 | date: '%Y-%m-%d %H:%M:%S' }}", "1970-01-01 00:00:00"),
        ("{{ '' | default: 'x' }} {{ false | default: 'x', allow_false: true }}", "x false"),
        ("{{ 7 | divided_by: 2 }} {{ 7 | divided_by: 2.0 }} {{ -7 | divided_by: 2 }}", "3 3.5 -4"),
        ("{{ 'ABC' | downcase }}", "abc"),
        ("{{ \"<b>'&'</b>\" | escape }}", "&lt;b&gt;&#39;&amp;&#39;&lt;/b&gt;"),
        ("{{ '&amp; &' | escape_once }}", "&amp; &amp;"),
        ("{{ products | find: 'type', 'food' | map: 'title' }}", "Apple"),
        ("{{ products | find_index: 'title', 'hat' }}", "1"),
        ("{{ numbers | first }} {{ words.first }}", "3 b"),
        ("{{ 1.8 | floor }} {{ -1.2 | floor }}", "1 -2"),
        ("{{ products | has: 'available' }} {{ products | has: 'title', 'Nope' }}", "true false"),
        ("{{ words | join }} {{ words | join: '-' }}", "b A c a b-A-c-a"),
        ("{{ numbers | last }}", "3"),
        ("[{{ '  x  ' | lstrip }}]", "[x  ]"),
        ("{{ products | map: 'title' | join: ',' }}", "Shoe,hat,Apple"),
        ("{{ 5 | minus: 7 }} {{ 5.5 | minus: 0.1 }}", "-2 5.4"),
        ("{{ 10 | modulo: 3 }} {{ 10.5 | modulo: 3 }}", "1 1.5"),
        ("{{ 'a\nb' | newline_to_br }}", "a<br />\nb"),
        ("{{ 1 | plus: 2 }} {{ '1.5' | plus: 1 }} {{ 0.1 | plus: 0.2 }}", "3 2.5 0.3"),
        ("{{ 'b' | prepend: 'a' }}", "ab"),
        ("{{ products | reject: 'available' | map: 'title' | join: ',' }}", "Shoe,hat"),
        ("{{ 'banana' | remove: 'an' }}", "ba"),
        ("{{ 'banana' | remove_first: 'an' }}", "bana"),
        ("{{ 'banana' | remove_last: 'an' }}", "bana"),
        ("{{ 'banana' | replace: 'a', 'o' }}", "bonono"),
        ("{{ 'banana' | replace_first: 'a', 'o' }}", "bonana"),
        ("{{ 'banana' | replace_last: 'a', 'o' }}", "banano"),
        ("{{ numbers | reverse | join: '' }}", "3213"),
        ("{{ 2.5 | round }} {{ 3.14159 | round: 2 }} {{ -2.5 | round }}", "3 3.14 -3"),
        ("[{{ '  x  ' | rstrip }}]", "[  x]"),
        ("{{ words | size }} {{ 'héllo' | size }} {{ products.size }}", "4 5 3"),
        ("{{ 'héllo' | slice: 1, 3 }} {{ numbers | slice: -2, 2 | join: '' }}", "éll 23"),
        ("{{ numbers | sort | join: '' }} {{ words | sort | join: '' }}", "1233 Aabc"),
        ("{{ products | sort: 'price' | map: 'title' | join: ',' }}", "Apple,hat,Shoe"),
        ("{{ words | sort_natural | join: '' }}", "Aabc"),
        ("{{ 'a b  c' | split: ' ' | join: ',' }} {{ 'a,,b,,' | split: ',' | size }}", "a,b,c 3"),
        ("[{{ ' \t x \n' | strip }}]", "[x]"),
        ("{{ '<p class=\"a\">Hi <b>you</b></p><!-- x --><script>y</script>' | strip_html }}", "Hi you"),
        ("{{ 'a\r\nb\nc' | strip_newlines }}", "abc"),
        ("{{ numbers | sum }} {{ products | sum: 'price' }} {{ nested | sum }}", "9 42.5 6"),
        ("{{ 3 | times: 4 }} {{ 1.1 | times: 3 }}", "12 3.3"),
        ("{{ 'The quick brown fox' | truncate: 12 }} {{ 'abc' | truncate: 2, '' }}", "The quick... ab"),
        ("{{ 'The quick brown fox' | truncatewords: 2 }}", "The quick..."),
        ("{{ numbers | uniq | join: '' }} {{ products | uniq: 'type' | size }}", "312 2"),
        ("{{ 'abc' | upcase }}", "ABC"),
        ("{{ 'a+b%21%C3%A9' | url_decode }}", "a b!é"),
        ("{{ 'a b!é' | url_encode }}", "a+b%21%C3%A9"),
        ("{{ products | where: 'type', 'wear' | map: 'title' | join: ',' }}", "Shoe,hat"),
        ("{{ products | where: 'available' | map: 'title' | join: ',' }}", "Apple"),
        ("{{ products[1] | json }}", #"{"title":"hat","price":10,"type":"wear","available":false}"#),
        ("{{ nested | json }} {{ 'a\"b' | json }} {{ 1.5 | json }} {{ nil | json }}", #"[[1,[2]],3] "a\"b" 1.5 null"#),
        ("{{ numbers | json: 2 }}", "[\n  3,\n  1,\n  2,\n  3\n]"),
    ])
    func filter(source: String, expected: String) throws {
        #expect(try render(source, Self.data) == expected)
    }

    @Test(arguments: [
        "{{ 'x' | upcase: 1 }}",
        "{{ 'x' | append }}",
        "{{ 'x' | replace: 'a', 'b', 'c' }}",
        "{{ 'x' | default: 'a', nope: true }}",
        "{{ 1 | divided_by: 0 }}",
        "{{ 1 | modulo: 0 }}",
        "{{ 'x' | slice: 'a' }}",
        "{{ 'x' | truncate: 1.5 }}",
        "{{ '%%%' | base64_decode }}",
        "{{ numbers | concat: 1 }}",
        "{{ numbers | map: 'x' }}",
    ])
    func invalidUse(source: String) {
        #expect(throws: LiquidError.self) { try render(source, Self.data) }
    }

    @Test func arityErrorsAreFoundAtParseTime() {
        do {
            _ = try Template.parse("ok {{ 'x' | upcase: 1 }}")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .argument)
            #expect(error.column == 13)
            #expect(error.message == "filter 'upcase' takes no arguments, but was given 1")
        }
    }
}
