import Desk
import DeskKit
import Scheduling
import Testing

/// Ids, names and aliases that try to escape the desk, dropped through a real desk in every
/// place a request names a file: each is a clear per-item or per-file error, and nothing outside
/// the desk (or outside the org's library) is read or written.
@Suite struct HostileIDTests {
    /// Values that would leave the folder they name a file in, or look as if they could.
    static let hostile: [String] = [
        "../secret", "../../secret", "../../../secret", "../../../../secret", "/etc/passwd", "/tmp", "a/../../secret",
        "..", ".", ".secret", "templates/../../secret", "nul\u{0}byte", "secret\u{0}.json",
        String(repeating: "x", count: 300),
        "\u{FF0E}\u{FF0E}\u{FF0F}secret", "\u{2215}etc\u{2215}passwd", "\u{FF0E}\u{FF0E}\u{2215}secret", "..\\secret",
        "%2e%2e%2fsecret", "secret ", "\u{202E}terces", "",
    ]

    /// A JSON string literal of `value`.
    static func quoted(_ value: String) -> String { JSONValue.string(value).serializedString() }

    /// `count` items' statuses, each with the error code it must have.
    static func expectItemErrors(
        _ status: JSONValue, count: Int, codes: Set<String> = ["INVALID_ITEM", "NOT_FOUND"],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for i in 0..<count {
            let item = status["items"]?[i]
            let code = item?["error"]?["code"]?.stringValue ?? "none"
            #expect(
                codes.contains(code), "item \(i) (\(Self.hostile[i].debugDescription)): \(code)",
                sourceLocation: sourceLocation)
            #expect((item?["error"]?["message"]?.stringValue?.count ?? 0) > 10, sourceLocation: sourceLocation)
        }
    }

    @Test func aTemplateIDThatEscapesIsRejectedPerItem() async throws {
        let desk = try SealedDesk()
        let items = Self.hostile.map { #"{"template_id": \#(Self.quoted($0)), "fields": {"name": "Ann"}}"# }
        let batch = try desk.drop(
            #"{"items": [\#(items.joined(separator: ", ")), {"template_id": "hello", "fields": {"name": "Bo"}}]}"#,
            as: "templates.json")
        try await desk.pass()
        let status = try desk.status(batch)
        Self.expectItemErrors(status, count: Self.hostile.count)
        #expect(status["items"]?[Self.hostile.count]?["status"] == "generated")
        desk.expectSealed()
    }

    @Test func aRequestWideTemplateIDThatEscapesRejectsItsItems() async throws {
        let desk = try SealedDesk()
        var batches: [(Int, String)] = []
        for (i, id) in Self.hostile.enumerated() {
            batches.append(
                (
                    i,
                    try desk.drop(
                        #"{"template_id": \#(Self.quoted(id)), "items": [{"id": "a"}]}"#, as: "wide-\(i).json")
                ))
        }
        try await desk.pass()
        desk.expectSealed()
        // Each file is rejected whole, or its one item is rejected with a clear error.
        for (i, batch) in batches {
            if let rejection = try? desk.rejection("wide-\(i).json") {
                #expect(rejection["code"]?.stringValue == "INVALID_REQUEST", "\(Self.hostile[i].debugDescription)")
            } else {
                let item = try desk.status(batch)["items"]?[0]
                let code = item?["error"]?["code"]?.stringValue ?? "none"
                #expect(["INVALID_ITEM", "NOT_FOUND"].contains(code), "\(Self.hostile[i].debugDescription): \(code)")
            }
        }
    }

    @Test func aBrandIDThatEscapesIsRejectedPerItem() async throws {
        let desk = try SealedDesk()
        let items = Self.hostile.map { #"{"topic": "Spring news", "brand_id": \#(Self.quoted($0))}"# }
        let batch = try desk.drop(#"{"items": [\#(items.joined(separator: ", "))]}"#, as: "brands.json")
        try await desk.pass()
        Self.expectItemErrors(try desk.status(batch), count: Self.hostile.count)
        desk.expectSealed()
    }

    @Test func aLaminaBrandProfileIDThatEscapesIsRejectedPerItem() async throws {
        let desk = try SealedDesk()
        // lamina caps a request at 10 items: one request per ten values.
        var batches: [(String, Int)] = []
        for start in stride(from: 0, to: Self.hostile.count, by: 10) {
            let values = Self.hostile[start..<min(start + 10, Self.hostile.count)]
            let items = values.map {
                #"{"brief": "Spring news", "platform": "x", "modality": "text", "brandProfileId": \#(Self.quoted($0))}"#
            }
            batches.append(
                (
                    try desk.drop(#"{"items": [\#(items.joined(separator: ", "))]}"#, as: "lamina-\(start).json"),
                    values.count
                ))
        }
        try await desk.pass()
        for (batch, count) in batches {
            let status = try desk.status(batch)
            for i in 0..<count {
                let code = status["items"]?[i]?["error"]?["code"]?.stringValue
                #expect(code == "INVALID_ITEM" || code == "NOT_FOUND", "\(batch) item \(i): \(code ?? "none")")
            }
        }
        desk.expectSealed()
    }

    @Test func aBavlioCampaignIDThatEscapesRejectsTheFile() async throws {
        let desk = try SealedDesk()
        for (i, id) in Self.hostile.enumerated() {
            try desk.drop(#"{"campaign_id": \#(Self.quoted(id)), "step_index": 1}"#, as: "campaign-\(i).json")
        }
        try await desk.pass()
        for (i, id) in Self.hostile.enumerated() {
            let error = try desk.rejection("campaign-\(i).json")
            #expect(["INVALID_REQUEST", "NOT_FOUND"].contains(error["code"]?.stringValue), "\(id.debugDescription)")
            #expect(error["field"] == "campaign_id")
        }
        desk.expectSealed()
    }

    @Test func aJustwordsTemplateIDThatEscapesIsRejectedPerItem() async throws {
        let desk = try SealedDesk()
        let requests = Self.hostile.map { #"{"template_id": \#(Self.quoted($0))}"# }
        // justwords caps a request at 20: all of them reject the file, the first 20 go per item.
        try #require(Self.hostile.count > 20)
        _ = try desk.drop(#"{"requests": [\#(requests.joined(separator: ", "))]}"#, as: "justwords.json")
        try await desk.pass()
        #expect(try desk.rejection("justwords.json")["code"] == "TOO_MANY_ITEMS")
        let rest = Self.hostile.prefix(20).map { #"{"template_id": \#(Self.quoted($0))}"# }
        let again = try desk.drop(#"{"requests": [\#(rest.joined(separator: ", "))]}"#, as: "justwords-20.json")
        try await desk.pass()
        Self.expectItemErrors(try desk.status(again), count: rest.count)
        desk.expectSealed()
    }

    @Test func aPartialNameThatEscapesNeverReadsTheFile() async throws {
        let desk = try SealedDesk()
        try desk.plant(
            Array(
                #"{"id": "dynamic", "approved": true, "variants": [{"id": "a", "vars": {"body": "[{% include p %}]"}}]}"#
                    .utf8), at: desk.layout.templates(org: "default") + "/dynamic.json")
        try desk.plant(Array("inside".utf8), at: desk.layout.templates(org: "default") + "/partials/ok.liquid")
        let names = Self.hostile + ["../secret.liquid", "../../secret", "../../../../secret", "ok"]
        let items = names.map { #"{"template_id": "dynamic", "fields": {"p": \#(Self.quoted($0))}}"# }
        let batch = try desk.drop(#"{"items": [\#(items.joined(separator: ", "))]}"#, as: "partials.json")
        try await desk.pass()
        let status = try desk.status(batch)
        for i in 0..<(names.count - 1) {
            #expect(status["items"]?[i]?["status"] == "failed", "\(names[i].debugDescription)")
        }
        #expect(status["items"]?[names.count - 1]?["status"] == "generated")
        desk.expectSealed()
    }

    @Test func anItemIDThatIsNoFileNameIsPublishedUnderItsIndexInsideTheBatch() async throws {
        let desk = try SealedDesk()
        let ids = Self.hostile.filter { !$0.isEmpty }
        let items = ids.map {
            #"{"id": \#(Self.quoted($0)), "template_id": "hello", "tracking_id": \#(Self.quoted($0))}"#
        }
        let batch = try desk.drop(
            #"{"publish": true, "items": [\#(items.joined(separator: ", "))]}"#, as: "ids.json")
        try await desk.pass()
        let status = try desk.status(batch)
        #expect(status["progress"]?["published"] == .int(ids.count))
        // Each is a file named by its index inside the batch's folder, whatever its id says.
        for (i, id) in ids.enumerated() {
            #expect(
                status["items"]?[i]?["published"] == .string("outbox/default/published/\(batch)/item-\(i).json"),
                "\(id.debugDescription)")
        }
        let files = try FileSystem.entries(of: desk.layout.published(org: "default", batchID: batch)).map(\.name)
        #expect(Set(files) == Set(ids.indices.map { "item-\($0).json" }))
        desk.expectSealed()
    }
}
