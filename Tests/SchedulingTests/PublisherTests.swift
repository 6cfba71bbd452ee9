import DeskKit
import Scheduling
import Testing

/// A published file holds what its extension says: the Markdown of a `.md`, the page of a
/// `.html`, the JSON of a `.json`; content that does not match its format is refused.
struct PublisherTests {
    let item = WorkItem(index: 2, id: "sched_3", templateID: "note")
    let due = Timestamp(iso8601: "2025-01-20T09:00:00Z")!

    func outcome(format: String?, content: JSONObject?) -> ItemOutcome {
        ItemOutcome(index: 2, id: "sched_3", state: .generated, templateID: "note", content: content, format: format)
    }

    @Test(arguments: [
        ("markdown", "markdown", "sched_3.md", "# Hi\n"),
        ("html", "html", "sched_3.html", "<p>Hi</p>"),
    ])
    func textOfItsFormatIsPublishedAsItIs(format: String, key: String, name: String, text: String) {
        let outcome = outcome(format: format, content: JSONObject([(key, .string(text)), ("provider", "offline")]))
        #expect(Publisher.problem(with: outcome, item: item) == nil)
        #expect(Publisher.fileName(for: item, format: format) == name)
        let bytes = Publisher.bytes(batchID: "b-1", org: "default", item: item, outcome: outcome, due: due)
        #expect(bytes == Array(text.utf8))
    }

    /// Found by the audit of issue 5: a markdown outcome without `markdown` was written as JSON
    /// bytes under `.md`.
    @Test(arguments: [
        ("markdown", JSONObject([("text", "# Hi"), ("provider", "offline")]) as JSONObject?, "sched_3.md"),
        ("markdown", nil, "sched_3.md"),
        ("markdown", JSONObject([("markdown", 3)]) as JSONObject?, "sched_3.md"),
        ("html", JSONObject([("body", "<p>Hi</p>")]) as JSONObject?, "sched_3.html"),
    ])
    func contentWithoutTheTextOfItsFormatIsRefused(format: String, content: JSONObject?, name: String) throws {
        let outcome = outcome(format: format, content: content)
        let problem = try #require(Publisher.problem(with: outcome, item: item))
        #expect(problem.code == .invalidTemplate)
        #expect(problem.message.contains("no \"\(format)\" text to publish as \(name)"))
        #expect(problem.message.contains("template 'note'"))
        #expect(Publisher.bytes(batchID: "b-1", org: "default", item: item, outcome: outcome, due: due) == nil)
    }

    @Test func copyIsPublishedAsJSONWithItsIDsAndDueInstant() throws {
        let outcome = outcome(format: nil, content: JSONObject([("greeting", "Hello")]))
        #expect(Publisher.problem(with: outcome, item: item) == nil)
        #expect(Publisher.fileName(for: item, format: nil) == "sched_3.json")
        let bytes = try #require(
            Publisher.bytes(batchID: "b-1", org: "default", item: item, outcome: outcome, due: due))
        let json = try JSONValue.parse(bytes)
        #expect(json["content"]?["greeting"] == "Hello")
        #expect(json["scheduled_for"] == "2025-01-20T09:00:00.000Z")
        #expect(json["id"] == "sched_3")
    }
}
