import DeskKit
import Foundation
import Testing

/// An immediate native batch is published at once only when its request says `"publish": true`
/// in so many words; without it (the cheap default) it is answered in its result only.
struct ImmediatePublishTests {
    static let items = (0..<2).map { #"{"id": "row-\#($0)", "fields": {"name": "N\#($0)"}}"# }.joined(separator: ",")

    @Test func anExplicitPublishTruePublishesEveryGeneratedItemAtOnce() async throws {
        let desk = try ScheduledDesk(at: "2025-01-20T06:00:00Z")
        let batch = try desk.drop(
            #"{"template_id": "hello", "publish": true, "items": [\#(Self.items), {"id": "bad", "template_id": "nope"}]}"#,
            as: "now.json")
        let summary = try await desk.pass()
        #expect(summary.admitted == 1 && summary.scheduled == 0)
        #expect(desk.published(batch) == ["row-0.json", "row-1.json"])
        let file = try desk.json(desk.layout.published(org: "default", batchID: batch) + "/row-1.json")
        #expect(file["content"]?["greeting"] == "Hello N1")
        #expect(file["id"] == "row-1")
        #expect(file["scheduled_for"] == "2025-01-20T06:00:00.000Z", "due when the batch was created")

        let result = try desk.result(batch)
        #expect(result["status"] == "completed")
        #expect(result["counts"]?["published"] == 2)
        #expect(result["counts"]?["failed"] == 1)
        #expect(result["items"]?[0]?["status"] == "published")
        #expect(result["items"]?[0]?["published"] == .string("outbox/default/published/\(batch)/row-0.json"))
        #expect(result["items"]?[0]?["content"]?["greeting"] == "Hello N0", "the result still answers with the content")
        #expect(result["items"]?[2]?["error"]?["code"] == "NOT_FOUND")
        let status = try desk.status(batch)
        #expect(status["status"] == "completed")
        #expect(try desk.progress(batch, "published") == 2)
        #expect(status["items"]?[1]?["status"] == "published")
        #expect(status["items"]?[1]?["published"] == .string("outbox/default/published/\(batch)/row-1.json"))
        #expect(!FileSystem.exists(desk.layout.itemJournal(org: "default", batchID: batch)))
    }

    @Test(arguments: [
        (#""publish": false, "#, "a draft"),
        ("", "the default: answered in the result only"),
    ])
    func withoutAnExplicitPublishTrueNothingIsPublished(member: String, why: String) async throws {
        let desk = try ScheduledDesk(at: "2025-01-20T06:00:00Z")
        let batch = try desk.drop(#"{"template_id": "hello", \#(member)"items": [\#(Self.items)]}"#, as: "now.json")
        try await desk.pass()
        #expect(desk.published(batch).isEmpty, "\(why)")
        #expect(!FileSystem.exists(desk.layout.published(org: "default", batchID: batch)))
        let result = try desk.result(batch)
        #expect(result["counts"]?["generated"] == 2)
        #expect(result["items"]?[0]?["status"] == "generated")
        #expect(result["items"]?[0]?["published"] == nil)
        #expect(try desk.progress(batch, "generated") == 2)
    }

    /// A run after a crash finds the outputs and the creation instant the first run kept, so it
    /// publishes the same bytes, whatever the clock says now.
    @Test func aRunAfterACrashPublishesTheSameBytes() async throws {
        let desk = try ScheduledDesk(at: "2025-01-20T06:00:00Z")
        let text = #"{"template_id": "hello", "publish": true, "items": [\#(Self.items)]}"#
        let batch = try desk.drop(text, as: "now.json")
        try await desk.pass()
        let folder = desk.layout.published(org: "default", batchID: batch)
        let first = try desk.published(batch).map { try FileSystem.readFile(folder + "/" + $0)! }
        let result = try desk.json(desk.layout.result(org: "default", batchID: batch))

        // What a crash after the outputs were journaled, before the files and the result were
        // all written, leaves: the request not archived (back in the inbox, as the claim
        // recovery hands it over), the status not final, no result, and files missing.
        let status = try desk.status(batch)
        let created = try #require(status["created_at"]?.stringValue)
        let journal = try #require(status["items"]?.arrayValue).map { item -> JSONValue in
            [
                "index": item["index"] ?? .null, "id": item["id"] ?? .null, "status": "generated",
                "template_id": "hello", "copy_id": "a",
                "content": ["greeting": .string("Hello N\(item["index"]?.intValue ?? -1)")],
            ]
        }
        try AtomicFile.write(
            Array(journal.map { $0.serializedString() + "\n" }.joined().utf8),
            to: desk.layout.itemJournal(org: "default", batchID: batch))
        try AtomicFile.write(
            Array(#"{"batch_id": "\#(batch)", "status": "in_progress", "created_at": "\#(created)"}"#.utf8),
            to: desk.layout.status(org: "default", batchID: batch))
        try FileSystem.rename(
            desk.layout.archive(org: "default") + "/\(batch).json", to: desk.layout.inbox + "/now.json")
        for name in desk.published(batch) { try FileSystem.remove(folder + "/" + name) }
        try FileSystem.remove(desk.layout.result(org: "default", batchID: batch))

        desk.set("2025-01-20T07:30:00Z")
        try desk.restart()
        try await desk.pass()
        let again = try desk.published(batch).map { try FileSystem.readFile(folder + "/" + $0)! }
        #expect(again == first)
        // The result written again says what the first one said: the same items, published at
        // the same paths.
        let rewritten = try desk.json(desk.layout.result(org: "default", batchID: batch))
        #expect(rewritten["items"] == result["items"])
        #expect(try desk.status(batch)["status"] == "completed")
        #expect(try desk.progress(batch, "published") == 2)
    }
}
