import Desk
import DeskKit
import Testing

/// The limits on hostile requests (README, "Hostile input"), set low in copydesk.json and
/// enforced through a real desk: nesting depth, string length, item count and render output.
@Suite struct RequestLimitsTests {
    static let config = #"""
        {"limits": {"max_items": 3, "max_depth": 6, "max_string_bytes": 200, "max_output_bytes": 1000}}
        """#

    static func desk() throws -> ScheduledDesk {
        let desk = try ScheduledDesk(at: "2026-11-23T10:00:00Z", config: config)
        let templates = desk.layout.templates(org: "default")
        try AtomicFile.write(
            Array(
                #"{"id": "big", "approved": true, "variants": [{"id": "a", "vars": {"body": "{% for i in (1..n) %}0123456789{% endfor %}"}}]}"#
                    .utf8), to: templates + "/big.json")
        try AtomicFile.write(
            Array(
                #"{"id": "big-prompt", "approved": true, "prompt": {"user": "{% for i in (1..n) %}0123456789{% endfor %}"}}"#
                    .utf8), to: templates + "/big-prompt.json")
        return desk
    }

    @Test func aStringOverTheLimitRejectsTheFileNamingTheField() async throws {
        let desk = try Self.desk()
        let long = String(repeating: "x", count: 201)
        try desk.drop(
            #"{"template_id": "hello", "items": [{"id": "a"}, {"id": "b", "fields": {"bio": "\#(long)"}}]}"#,
            as: "long.json")
        let fits = try desk.drop(
            #"{"template_id": "hello", "items": [{"id": "a", "fields": {"bio": "\#(String(long.dropFirst()))"}}]}"#,
            as: "fits.json")
        try await desk.pass()
        let error = try desk.json(desk.layout.rejected(org: "default") + "/long.json.error.json")
        #expect(error["code"] == "INVALID_REQUEST")
        #expect(error["field"] == "items[1].fields.bio")
        #expect(error["message"]?.stringValue?.contains("limits.max_string_bytes") == true)
        #expect(try desk.status(fits)["status"] == "completed")
    }

    @Test func nestingDeeperThanTheLimitIsInvalidJSON() async throws {
        let desk = try Self.desk()
        try desk.drop(#"{"template_id": "hello", "items": [{"id": "a", "fields": {"x": [[[[1]]]]}}]}"#, as: "deep.json")
        let fits = try desk.drop(
            #"{"template_id": "hello", "items": [{"id": "a", "fields": {"x": [[1]]}}]}"#, as: "fits.json")
        try await desk.pass()
        let error = try desk.json(desk.layout.rejected(org: "default") + "/deep.json.error.json")
        #expect(error["code"] == "INVALID_JSON")
        #expect(error["message"]?.stringValue?.contains("deeper than 6") == true)
        #expect(try desk.status(fits)["status"] == "completed")
    }

    @Test func moreItemsThanTheLimitOrTheDialectsCapIsTooManyItems() async throws {
        let desk = try Self.desk()
        try desk.drop(#"{"template_id": "hello", "items": [{}, {}, {}, {}]}"#, as: "four.json")
        let requests = (0..<21).map { _ in #"{"template_id": "hello"}"# }.joined(separator: ", ")
        let big = try ScheduledDesk(at: "2026-11-23T10:00:00Z")
        try big.drop(#"{"requests": [\#(requests)]}"#, as: "justwords.json")
        try await desk.pass()
        try await big.pass()
        #expect(
            try desk.json(desk.layout.rejected(org: "default") + "/four.json.error.json")["code"] == "TOO_MANY_ITEMS")
        #expect(
            try big.json(big.layout.rejected(org: "default") + "/justwords.json.error.json")["code"] == "TOO_MANY_ITEMS"
        )
    }

    @Test func aRenderOverTheOutputLimitFailsTheItem() async throws {
        let desk = try Self.desk()
        let batch = try desk.drop(
            #"{"template_id": "big", "items": [{"id": "small", "fields": {"n": 100}}, {"id": "large", "fields": {"n": 101}}]}"#,
            as: "render.json")
        let prompt = try desk.drop(
            #"{"template_id": "big-prompt", "items": [{"id": "small", "fields": {"n": 50}}, {"id": "large", "fields": {"n": 101}}]}"#,
            as: "prompt.json")
        try await desk.pass()
        let status = try desk.status(batch)
        #expect(status["items"]?[0]?["status"] == "generated")
        #expect(status["items"]?[1]?["status"] == "failed")
        #expect(status["items"]?[1]?["error"]?["code"] == "RENDER_ERROR")
        let promptStatus = try desk.status(prompt)
        #expect(promptStatus["items"]?[0]?["status"] == "generated")
        #expect(promptStatus["items"]?[1]?["status"] == "failed")
        #expect(promptStatus["items"]?[1]?["error"]?["code"] == "RENDER_ERROR")
    }
}
