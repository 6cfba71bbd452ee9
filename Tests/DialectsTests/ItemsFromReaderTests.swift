import DeskKit
import Dialects
import Foundation
import Testing

/// The rows of CSV and JSONL files as items, the items_from name check, and the reader's memory.
struct ItemsFromReaderTests {
    /// Every RFC 4180 corner case in one file, written with each delimiter and line end.
    static let cornerCases: [(delimiter: String, newline: String, finalNewline: Bool)] = [
        (",", "\r\n", true), (",", "\n", false), (";", "\r\n", false), (";", "\n", true), ("\t", "\r\n", true),
        ("\t", "\n", false),
    ]

    @Test(arguments: cornerCases)
    func everyRFC4180CornerCaseWithEachDelimiterAndLineEnd(
        delimiter: String, newline: String, finalNewline: Bool
    )
        throws
    {
        let d = delimiter
        let n = newline
        let text =
            "\u{FEFF}id\(d)name\(d)note\(n)"  // BOM, header
            + "1\(d)\"Smith\(d) Ann\"\(d)\"said \"\"hi\"\"\"\(n)"  // the delimiter and doubled quotes inside quotes
            + "2\(d)Bo\(d)\"two\r\nlines\nand more\"\(n)"  // CRLF and LF inside quotes
            + "3\(d)\(d)\(n)"  // empty fields
            + "4\(d)\"\"\(d)\"\"\(n)"  // empty quoted fields
            + "5\(d)Dé\(d)last" + (finalNewline ? n : "")  // UTF-8; the last row with or without a line end
        let (rows, sniffed) = try readAll(try csvFile(Array(text.utf8)))
        #expect(sniffed == d.utf8.first)
        #expect(
            rows.map(\.fields) == [
                ["id", "name", "note"], ["1", "Smith\(d) Ann", "said \"hi\""], ["2", "Bo", "two\r\nlines\nand more"],
                ["3", "", ""], ["4", "", ""], ["5", "Dé", "last"],
            ])
        #expect(rows.map(\.line) == [1, 2, 3, 6, 7, 8])
        #expect(rows.allSatisfy { $0.problem == nil })
    }

    @Test func rowsBecomeItemsWithKeysAttrsAndFieldsOverDefaults() throws {
        let path = try csvFile(
            Array(
                "id,user_id,bucket,attrs.plan,first_name,company\nr1,u1,trial,pro,Jane,\nr2,,,,Omar,Initech\n,u3\n".utf8
            ))
        let defaults = ItemsFromReader.Defaults(
            templateID: "hello", fields: JSONObject([("company", "Acme")]), attrs: JSONObject([("region", "eu")]))
        var items = [WorkItem(index: 0), WorkItem(index: 1)]
        let output = try ItemsFromReader.read(
            path: path, displayName: "leads.csv", format: .csv, defaults: defaults, into: &items, limit: 10)
        #expect(output.count == 3 && items.count == 5)
        items.removeFirst(2)
        let first = items[0]
        #expect(first.index == 2 && first.id == "r1" && first.userID == "u1" && first.bucket == "trial")
        #expect(first.fields["first_name"] == "Jane" && first.fields["company"] == "Acme")
        #expect(first.attrs["plan"] == "pro" && first.attrs["region"] == "eu")
        #expect(first.templateID == "hello" && first.rejection == nil)
        #expect(items[1].fields["company"] == "Initech" && items[1].userID == nil)
        #expect(items[2].rejection?.message == "leads.csv line 4 has 2 fields; the header has 6")
        #expect(output.hexDigest == SHA256.hexDigest(try #require(try FileSystem.readFile(path))))
    }

    @Test func jsonlLinesAreFlatItemsAndBadLinesAreNamed() throws {
        let path = try csvFile(
            Array(
                #"""
                {"id": 7, "name": "Jo", "score": 3, "copy_id": "b"}
                not json

                [1, 2]
                {"id": [1]}
                {"topic": "Why onboarding matters"}
                """#.utf8))
        var items: [WorkItem] = []
        _ = try ItemsFromReader.read(
            path: path, displayName: "rows.jsonl", format: .jsonl, defaults: .init(templateID: "hello"), into: &items,
            limit: 10)
        #expect(items.count == 5)
        #expect(
            items[0].id == "7" && items[0].copyID == "b" && items[0].fields["score"] == 3 && items[0].rejection == nil)
        #expect(items[1].rejection?.message.hasPrefix("rows.jsonl line 2: not valid JSON") == true)
        #expect(items[2].rejection?.message == "rows.jsonl line 4: a line must be a JSON object, not array")
        #expect(items[3].rejection?.message == "rows.jsonl line 5: id must be a string, not array")
        #expect(items[4].topic == "Why onboarding matters")
        #expect(items.allSatisfy { $0.rejection == nil || $0.rejection?.code == .invalidItem })
    }

    @Test func aJSONLLineShapedLikeANativeItemHasItsFieldsAndAttrs() throws {
        let path = try csvFile(
            Array(#"{"id": "r1", "fields": {"first_name": "Jo"}, "attrs": {"plan": "pro"}, "city": "Lyon"}"#.utf8))
        var items: [WorkItem] = []
        _ = try ItemsFromReader.read(
            path: path, displayName: "rows.jsonl", format: .jsonl, defaults: .init(templateID: "hello"), into: &items,
            limit: 10)
        #expect(items.count == 1 && items[0].rejection == nil)
        #expect(items[0].fields["first_name"] == "Jo" && items[0].fields["city"] == "Lyon")
        #expect(items[0].fields["fields"] == nil)
        #expect(items[0].attrs["plan"] == "pro")
    }

    @Test func moreRowsThanTheLimitIsTooManyItems() throws {
        let path = try csvFile(Array("id\n1\n2\n3\n".utf8))
        var items: [WorkItem] = []
        let error = #expect(throws: DeskError.self) {
            try ItemsFromReader.read(
                path: path, displayName: "x.csv", format: .csv, defaults: .init(templateID: "t"), into: &items, limit: 2
            )
        }
        #expect(error?.code == .tooManyItems)
    }

    /// The reader's memory does not grow with the file: a 5 MB file read through a 4 KiB chunk
    /// holds at most the chunk plus its longest row, and the row cap bounds a runaway quote.
    @Test func theReadersBufferStaysBoundedWhateverTheFileSize() throws {
        var text = "id,name,note\n"
        for i in 0..<200_000 { text += "\(i),name \(i),\"a, b\"\n" }
        let bytes = Array(text.utf8)
        let path = try csvFile(bytes)
        var reader = try CSVReader(path: path, chunkSize: 4096, hashing: true)
        defer { reader.close() }
        var count = 0
        while try reader.next() != nil { count += 1 }
        #expect(count == 200_001)
        #expect(bytes.count > 4_900_000)
        #expect(reader.peakBufferedBytes <= 4096 + 64)
        #expect(reader.hexDigest == SHA256.hexDigest(bytes))

        // An unterminated quote would swallow the rest of the file: the row keeps maxRowBytes.
        let runaway = try csvFile(Array(("id,note\n1,\"" + String(repeating: "x", count: 100_000) + "\n").utf8))
        var capped = try CSVReader(path: runaway, chunkSize: 1024, maxRowBytes: 2048)
        defer { capped.close() }
        _ = try capped.next()
        let row = try #require(try capped.next())
        #expect(row.problem == "a quoted field opened on line 2 is never closed")
        #expect(capped.peakBufferedBytes <= 1024 + 2048)
    }

    @Test(arguments: [
        "../leads.csv", "/etc/leads.csv", "crm/leads.csv", "leads\u{0}.csv", ".leads.csv", "leads.json", "..",
        String(repeating: "a", count: 130) + ".csv", "x.events.jsonl", "tab\t.csv", "",
    ])
    func anItemsFromNameOutsideTheFolderIsAnInvalidRequest(name: String) throws {
        let document = JSONValue.object(JSONObject([("template_id", "hello"), ("items_from", .string(name))]))
        let error = #expect(throws: DeskError.self) { try NativeRequestDecoder.decode(document) }
        #expect(error?.code == .invalidRequest)
        #expect(error?.field == "items_from")
    }

    @Test func aSafeItemsFromNameIsKeptAndItemsMayBeLeftOut() throws {
        let document = try JSONValue.parse(#"{"template_id": "hello", "items_from": "leads 2026.csv"}"#)
        let request = try NativeRequestDecoder.decode(document)
        #expect(request.itemsFrom == "leads 2026.csv")
        #expect(request.items.isEmpty)
    }
}
