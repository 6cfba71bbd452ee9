import Liquid
import Testing

/// The `date` filter: inputs it understands and the strftime directives.
@Suite struct DateTests {
    @Test(arguments: [
        ("{{ 1152098955 | date: '%m/%d/%Y' }}", "07/05/2006"),
        ("{{ '1152098955' | date: '%s' }}", "1152098955"),
        ("{{ 'March 14, 2016' | date: '%b %d, %y' }}", "Mar 14, 16"),
        ("{{ '2016-03-14' | date: '%A %-d %B %Y' }}", "Monday 14 March 2016"),
        ("{{ '2016-03-14T15:09:26Z' | date: '%H:%M:%S %p %I %l' }}", "15:09:26 PM 03  3"),
        ("{{ '2016-03-14T15:09:26+02:00' | date: '%Y-%m-%dT%H:%M:%S%z' }}", "2016-03-14T15:09:26+0200"),
        ("{{ '2016-03-14 15:09' | date: '%F %R' }}", "2016-03-14 15:09"),
        ("{{ '14 Mar 2016' | date: '%j %a %^b %e' }}", "074 Mon MAR 14"),
        ("{{ '03/14/2016' | date: '%D' }}", "03/14/16"),
        ("{{ 'Tue, 15 Mar 2016 08:00:00 +0000' | date: '%c' }}", "Tue Mar 15 08:00:00 2016"),
        ("{{ 0 | date: '%%Y is %Y' }}", "%Y is 1970"),
        ("{{ 'not a date' | date: '%Y' }}", "not a date"),
        ("{{ '2016-02-30' | date: '%Y' }}", "2016-02-30"),
        ("{{ nil | date: '%Y' }}", ""),
        ("{{ '2016-03-14' | date: '' }}", "2016-03-14"),
        ("{{ -86400 | date: '%Y-%m-%d' }}", "1969-12-31"),
    ])
    func date(source: String, expected: String) throws {
        #expect(try render(source) == expected)
    }

    @Test func nowAndToday() throws {
        let year = try render("{{ 'now' | date: '%Y' }}")
        #expect(year.count == 4)
        #expect(Int(year)! >= 2024)
        #expect(try render("{{ 'today' | date: '%Y' }}") == year)
    }
}

/// Values: objects keep their order; floats read as Ruby writes them.
@Suite struct ValueTests {
    @Test func objectsKeepInsertionOrder() {
        var object: ValueObject = ["b": 1, "a": 2]
        for i in 0..<20 { object["k\(i)"] = .int(i) }
        object["a"] = 3
        #expect(object.keys.prefix(3) == ["b", "a", "k0"])
        #expect(object["a"] == 3)
        object["b"] = nil
        #expect(object.keys.first == "a")
        #expect(object.count == 21)
        #expect(object["k19"] == 19)
        #expect(ValueObject([("x", 1), ("y", 2)]) == ValueObject([("y", 2), ("x", 1)]))
    }

    @Test(arguments: [
        (1.0, "1.0"), (2.5, "2.5"), (-0.5, "-0.5"), (1e20, "1.0e+20"), (1e16, "1.0e+16"),
        (1e15, "1000000000000000.0"), (0.0001, "0.0001"), (0.00001, "1.0e-05"), (1.23456789e-7, "1.23456789e-07"),
        (123456.789, "123456.789"),
    ])
    func floats(value: Double, text: String) throws {
        #expect(try render("{{ x }}", ["x": .double(value)]) == text)
    }

    @Test func outputOfCompoundValues() throws {
        #expect(try render("{{ x }}", ["x": [1, [2, 3], .nil, "a"]]) == "123a")
        #expect(try render("{{ x }}", ["x": ["a": 1, "b": ["c": "d"]]]) == #"{"a"=>1, "b"=>{"c"=>"d"}}"#)
    }

    @Test func strictModeNamesTheUndefinedPath() {
        do {
            _ = try render("{{ product.title }}", ["product": ["name": "x"]], strict: true)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .undefinedVariable)
            #expect(error.message == "undefined variable 'product.title'")
            #expect(error.description == "t:1:4: undefined variable 'product.title'")
        }
    }
}
