import Desk
import DeskKit
import Foundation
import Testing

/// items_from through a real desk (`processOnce`, the code path of `copydesk process`).
@Suite struct ItemsFromDeskTests {
    /// Writes `text` into the inbox as `name` with an old mtime, as a finished export.
    static func place(_ text: String, as name: String, in desk: ScheduledDesk) throws {
        let path = desk.layout.inbox + "/" + name
        try AtomicFile.write(Array(text.utf8), to: path)
        var times = [timespec(tv_sec: 946_684_800, tv_nsec: 0), timespec(tv_sec: 946_684_800, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, path, &times, 0)
    }

    @Test func threeBadRowsAmongFiftyThousandAreRejectedByLineAndTheRestGenerated() async throws {
        let desk = try ScheduledDesk(at: "2026-11-23T10:00:00Z")
        var csv = "id,name,city,note\n"
        var line = 1
        var badLines: [Int] = []
        for i in 0..<50_000 {
            line += 1
            switch i {
            case 1_000:
                csv += "r\(i),too,few\n"  // a field missing
                badLines.append(line)
            case 20_000:
                csv += "r\(i),\"unquoted\"tail,Paris,x\n"  // text after a closing quote
                badLines.append(line)
            case 49_999:
                csv += "r\(i),Zoe,\"Lyon,never closed\n"  // an unterminated quote at the end of the file
                badLines.append(line)
            case 30_000:
                csv += "r\(i),\"Multi\nline\",Oslo,\"a \"\"quoted\"\" note\"\n"  // good, over two lines
                line += 1
            default:
                csv += "r\(i),name \(i),City \(i % 97),\"note, \(i)\"\n"
            }
        }
        try Self.place(csv, as: "leads.csv", in: desk)
        let request = #"{"template_id": "hello", "items_from": "leads.csv"}"#
        try Self.place(request, as: "leads.json", in: desk)
        let summary = try await desk.pass()
        #expect(summary.admitted == 1)
        #expect(summary.itemsGenerated == 49_997)

        let archived = desk.layout.archive(org: "default")
        let names = try FileSystem.entries(of: archived).map(\.name).sorted()
        let batch = try #require(names.first { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) })
        #expect(names == [batch + ".csv", batch + ".json"])
        #expect(try FileSystem.entries(of: desk.layout.inbox).filter { $0.kind == .file }.isEmpty)

        let result = try desk.result(batch)
        #expect(result["counts"]?["generated"] == 49_997)
        #expect(result["counts"]?["rejected"] == 3)
        let items = try #require(result["items"]?.arrayValue)
        let rejected = items.filter { $0["status"] == "rejected" }
        #expect(rejected.count == 3)
        for (item, line) in zip(rejected, badLines) {
            #expect(item["error"]?["code"] == "INVALID_ITEM")
            #expect(item["error"]?["message"]?.stringValue?.hasPrefix("leads.csv line \(line)") == true)
        }
        #expect(items[30_000]["content"]?["greeting"] == "Hello Multi\nline")
    }

    @Test func aMissingItemsFromFileIsNotFoundAndALateCSVIsThenRejectedAlone() async throws {
        let desk = try ScheduledDesk(at: "2026-11-23T10:00:00Z", config: #"{"intake": {"items_from_wait_seconds": 0}}"#)
        try Self.place(#"{"template_id": "hello", "items_from": "late.csv"}"#, as: "req.json", in: desk)
        try Self.place("id,name\n1,x\n", as: "orphan.csv", in: desk)
        let summary = try await desk.pass()
        #expect(summary.rejected == 2)
        let rejected = desk.layout.rejected(org: "default")
        let request = try desk.json(rejected + "/req.json.error.json")
        #expect(request["code"] == "NOT_FOUND")
        #expect(request["field"] == "items_from")
        let orphan = try desk.json(rejected + "/orphan.csv.error.json")
        #expect(orphan["code"] == "UNKNOWN_FORMAT")
        #expect(orphan["message"]?.stringValue?.contains("add a route") == true)
    }
}
