import DeskKit
import Testing

struct JSONValueTests {
    @Test(arguments: [
        ("null", .null),
        ("true", .bool(true)),
        (" false ", .bool(false)),
        ("0", .int(0)),
        ("-12", .int(-12)),
        ("9223372036854775807", .int(Int.max)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808)),
        ("1.5", .double(1.5)),
        ("-2e3", .double(-2000)),
        (#""a\"b\\c\/\n\t""#, .string("a\"b\\c/\n\t")),
        (#""\u00e9\ud83d\ude00""#, .string("é😀")),
        ("\u{FEFF}[1]", .array([.int(1)])),
        (#"{"b": 1, "a": [true, null, {}], "c": []}"#, ["b": 1, "a": [true, nil, .object(JSONObject())], "c": []]),
    ] as [(String, JSONValue)])
    func parsesValidJSON(text: String, expected: JSONValue) throws {
        #expect(try JSONValue.parse(text) == expected)
    }

    @Test(arguments: [
        ("", 1, 1, "empty"),
        ("{\"a\": 1,}", 1, 9, "trailing comma"),
        ("[1, 2", 1, 6, "truncated"),
        ("{\n  \"a\": tru\n}", 2, 8, "expected 'true'"),
        ("[01]", 1, 3, "start with 0"),
        ("\"a\u{1}\"", 1, 3, "control character"),
        ("{'a': 1}", 1, 2, "member name"),
        ("[1] x", 1, 5, "after the end"),
        ("\"\\x\"", 1, 2, "unknown escape"),
        ("\"\\ud800\"", 1, 8, "low surrogate"),
        ("[NaN]", 1, 2, "expected a value"),
        ("\"é\" 1", 1, 5, "after the end"),
    ] as [(String, Int, Int, String)])
    func rejectsInvalidJSONAndSaysWhere(text: String, line: Int, column: Int, fragment: String) {
        #expect {
            try JSONValue.parse(text)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            #expect(error.line == line, "\(error)")
            #expect(error.column == column, "\(error)")
            #expect(error.message.contains(fragment), "\(error)")
            return true
        }
    }

    @Test func invalidUTF8IsRejected() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        #expect {
            try JSONValue.parse(bytes)
        } throws: { error in
            (error as? JSONParseError)?.message.contains("deeper than 512") == true
        }
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try JSONValue.parse(ok) }
    }

    @Test func serializationRoundTripsAndKeepsKeyOrder() throws {
        let text = #"{"z":1,"a":{"y":[1,2.5,"x\n\"q\"\u0001"],"b":null},"m":true,"e":[],"o":{}}"#
        let value = try JSONValue.parse(text)
        #expect(value.serializedString() == text)
        let pretty = value.serializedString(pretty: true)
        #expect(pretty.hasPrefix("{\n  \"z\": 1,\n  \"a\": {\n    \"y\": [\n      1,"))
        #expect(pretty.hasSuffix("\"e\": [],\n  \"o\": {}\n}\n"))
        #expect(try JSONValue.parse(pretty) == value)
        #expect(JSONValue.double(.nan).serializedString() == "null")
    }

    @Test func jsonLinesCarryTheirLineNumbers() {
        let text = "{\"a\": 1}\n\n  \n{\"a\": 2,}\n[3]"
        let entries = JSONValue.parseLines(Array(text.utf8))
        #expect(entries.map(\.line) == [1, 4, 5])
        #expect((try? entries[0].result.get()) == ["a": 1])
        if case .failure(let error) = entries[1].result {
            #expect(error.line == 4 && error.column == 9)
        } else {
            Issue.record("line 4 should fail")
        }
        #expect((try? entries[2].result.get()) == [3])
    }

    @Test func largeObjectsKeepTheirOrderThroughTheIndex() {
        var object = JSONObject()
        for i in 0..<20 { object["k\(i)"] = .int(i) }
        object["k3"] = "three"
        object["k5"] = nil
        object["k0"] = nil
        #expect(object.count == 18)
        #expect(object.keys.first == "k1")
        #expect(object["k3"] == "three")
        #expect(object["k19"] == 19)
        #expect(object["k5"] == nil)
        object["k5"] = true
        #expect(object.keys.last == "k5")
        var reordered = JSONObject()
        for key in object.keys.reversed() { reordered[key] = object[key] }
        #expect(reordered == object, "equality ignores order")
        reordered["k1"] = 2
        #expect(reordered != object)
    }

    @Test func objectsKeepFirstPositionAndRemoveKeys() {
        var object = JSONObject([("a", 1), ("b", 2)])
        object["a"] = 3
        object["c"] = 4
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(object["a"] == 3)
        #expect(object.count == 2)
    }
}
