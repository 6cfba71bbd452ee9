import DeskKit
import Foundation
import Testing

/// The justwords batch-generate request (shared/seeds/000) and events files, through the real
/// `copydesk` binary.
@Suite struct JustwordsTests {
    /// The seed's example bodies, as documented: the basic request (curl), the same request as the
    /// JavaScript and Python examples serialise it, and the one with shared fields and tracking.
    static let bodies = [
        """
        { "requests": [ { "template_id": "welcome-email" }, { "template_id": "follow-up-day3" }, { "template_id": "re-engagement-day7" } ], "user_id": "user_123" }
        """,
        #"{"requests":[{"template_id":"welcome-email"},{"template_id":"follow-up-day3"},{"template_id":"re-engagement-day7"}],"user_id":"user_123"}"#,
        """
        { "requests": [ { "template_id": "welcome-email", "tracking_id": "msg_001" }, { "template_id": "follow-up-day3", "tracking_id": "msg_002" }, { "template_id": "re-engagement-day7", "tracking_id": "msg_003" } ], "user_id": "user_123", "fields": { "user_name": "Alice", "account_type": "premium" }, "attrs": { "plan": "premium", "region": "us-east" }}
        """,
    ]

    static let templates = [
        "welcome-email": """
        {"id": "welcome-email", "approved": true, "variants": [
          {"id": "variant_abc123", "vars": {"subject": "Welcome to our platform{% if user_name %}, {{ user_name }}{% endif %}!", "body": "We're excited to have you join us."}},
          {"id": "variant_abc124", "vars": {"subject": "You're in{% if user_name %}, {{ user_name }}{% endif %}", "body": "Glad to have you."}}]}
        """,
        "follow-up-day3": """
        {"id": "follow-up-day3", "approved": true, "variants": [
          {"id": "variant_def456", "vars": {"subject": "How's it going{% if user_name %}, {{ user_name }}{% endif %}?", "body": "Here are some tips to get the most out of your account."}},
          {"id": "variant_def457", "attrs": {"plan": "premium"}, "vars": {"subject": "Your premium tips{% if user_name %}, {{ user_name }}{% endif %}", "body": "Premium tips."}}]}
        """,
        "re-engagement-day7": """
        {"id": "re-engagement-day7", "approved": true, "variants": [
          {"id": "variant_ghi789", "vars": {"subject": "We miss you!", "body": "Come back and see what's new."}}]}
        """,
    ]

    static func desk(org: String = "your-org") throws -> TestDesk {
        let desk = try TestDesk()
        for (id, text) in templates { try desk.write(text, to: desk.layout.templates(org: org) + "/\(id).json") }
        return desk
    }

    @Test func theSeedsExampleBodiesGetTheDocumentedResponse() throws {
        let desk = try Self.desk()
        for (i, body) in Self.bodies.enumerated() { try desk.drop(body, as: "journey-\(i).json", org: "your-org") }
        let run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(run.stdout.contains("admitted 3"))
        let results = desk.results(org: "your-org")
        #expect(results.count == 3)
        var stickyCopies: [String: Set<String>] = [:]
        for name in results {
            let response = try desk.json(desk.layout.outbox(org: "your-org") + "/" + name)
            let object = try #require(response.objectValue)
            #expect(object.keys == ["welcome-email", "follow-up-day3", "re-engagement-day7"], "\(name)")
            for (templateID, entry) in object.members {
                #expect(entry.objectValue?.keys == ["tracking_id", "copy"], "\(templateID)")
                #expect(entry["tracking_id"]?.stringValue?.isEmpty == false)
                let copyID = try #require(entry["copy"]?["id"]?.stringValue)
                #expect(entry["copy"]?.objectValue?.keys == ["id", "vars"])
                #expect(entry["copy"]?["vars"]?.objectValue?.keys == ["subject", "body"])
                stickyCopies[templateID, default: []].insert(copyID)
            }
            if name.hasPrefix("journey-2-") {
                #expect(response["welcome-email"]?["tracking_id"] == "msg_001")
                #expect(response["follow-up-day3"]?["tracking_id"] == "msg_002")
                #expect(response["re-engagement-day7"]?["tracking_id"] == "msg_003")
                // Targeted by attrs.plan = premium; fields render.
                #expect(response["follow-up-day3"]?["copy"]?["id"] == "variant_def457")
                #expect(response["follow-up-day3"]?["copy"]?["vars"]?["subject"] == "Your premium tips, Alice")
                #expect(response["re-engagement-day7"]?["copy"]?["vars"]?["subject"] == "We miss you!")
            }
        }
        // user_123 is sticky: the same welcome-email variant in every response.
        #expect(stickyCopies["welcome-email"]?.count == 1)
        let status = try desk.json(
            desk.layout.state(org: "your-org") + "/"
                + results[0].replacingOccurrences(of: ".result.json", with: ".status.json"))
        #expect(status["format"] == "justwords")
        #expect(status["status"] == "completed")
    }

    @Test func failuresTracesAndWholeFileRejections() throws {
        let desk = try Self.desk(org: "acme")
        try desk.drop(
            #"{"requests": [{"template_id": "welcome-email", "copy_id": "nope"}, {"template_id": "missing"}, {"template_id": "follow-up-day3", "tracking_id": "t-9"}, {"template_id": "follow-up-day3"}], "trace": true, "offset_days": 0}"#,
            as: "mixed.json", org: "acme")
        let many = (0..<21).map { _ in #"{"template_id": "welcome-email"}"# }.joined(separator: ",")
        try desk.drop(#"{"requests": [\#(many)]}"#, as: "many.json", org: "acme")
        let run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 1)
        let name = try #require(desk.results(org: "acme").first)
        let response = try desk.json(desk.layout.outbox(org: "acme") + "/" + name)
        #expect(response.objectValue?.keys == ["welcome-email", "missing", "follow-up-day3", "requests[3]"])
        #expect(response["welcome-email"]?["error"]?["code"] == "NOT_FOUND")
        #expect(response["missing"]?["error"]?["code"] == "NOT_FOUND")
        #expect(response["requests[3]"]?["error"]?["code"] == "INVALID_ITEM")
        let trace = try #require(response["follow-up-day3"]?["trace"])
        #expect(trace["algorithm"] == "thompson")
        #expect(trace["window"]?["offset_days"] == 0)
        #expect(trace["chosen"] == response["follow-up-day3"]?["copy"]?["id"])
        let error = try desk.json(desk.layout.rejected(org: "acme") + "/many.json.error.json")
        #expect(error["code"] == "TOO_MANY_ITEMS")
    }

    @Test func eventsFilesFeedTheCountersAndReportBadLines() throws {
        let desk = try Self.desk()
        try desk.drop(Self.bodies[2], as: "journey.json", org: "your-org")
        #expect(try TestDesk.run(["process", desk.root]).status == 0)
        let response = try desk.json(desk.layout.outbox(org: "your-org") + "/" + desk.results(org: "your-org")[0])
        let welcome = try #require(response["welcome-email"]?["copy"]?["id"]?.stringValue)
        let at = Timestamp(seconds: Date().timeIntervalSince1970).iso8601
        let events = [
            #"{"tracking_id": "msg_001", "type": "impression", "at": "\#(at)"}"#,
            #"{"tracking_id": "msg_001", "type": "click", "at": "\#(at)"}"#,
            #"{"tracking_id": "msg_404", "type": "impression", "at": "\#(at)"}"#,
            #"{"tracking_id": "msg_002", "type": "conversion", "at": "\#(at)"}"#,
            #"not json"#,
            #"{"tracking_id": "msg_003", "type": "open", "at": "\#(at)"}"#,
        ]
        try desk.drop(events.joined(separator: "\n") + "\n", as: "day-1.events.jsonl", org: "your-org")
        try desk.drop(
            #"{"tracking_id": "nobody", "type": "click", "at": "\#(at)"}"# + "\n", as: "bad.events.jsonl",
            org: "your-org")
        let run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 1)
        #expect(run.stdout.contains("events counted 3"), "\(run.stdout)")
        let name = try #require(desk.results(org: "your-org").first { $0.hasPrefix("day-1-events-") })
        let result = try desk.json(desk.layout.outbox(org: "your-org") + "/" + name)
        #expect(result["format"] == "events")
        #expect(result["counted"] == 3)
        #expect(result["rejected"] == 3)
        #expect(result["errors"]?.arrayValue?.compactMap { $0["line"]?.intValue } == [3, 5, 6])
        #expect(result["errors"]?[0]?["code"] == "NOT_FOUND")
        #expect(result["errors"]?[0]?["message"]?.stringValue?.contains("msg_404") == true)
        let counters = try desk.json(desk.layout.bandit(org: "your-org") + "/counters/welcome-email.json")
        let day = String(at.prefix(10))
        #expect(counters["variants"]?[welcome]?[day] == [1, 1, 0])
        #expect(
            desk.files(in: desk.layout.archive(org: "your-org")).contains {
                $0.hasPrefix("day-1-events-") && $0.hasSuffix(".jsonl")
            })
        // A file with no good line is rejected whole, its lines listed.
        let error = try desk.json(desk.layout.rejected(org: "your-org") + "/bad.events.jsonl.error.json")
        #expect(error["code"] == "INVALID_EVENT")
        #expect(error["errors"]?[0]?["line"] == 1)
        // The same events file dropped again counts nothing.
        try desk.drop(events.joined(separator: "\n") + "\n", as: "day-1-again.events.jsonl", org: "your-org")
        let again = try TestDesk.run(["process", desk.root])
        #expect(again.stdout.contains("duplicates 1"), "\(again.stdout)")
        let after = try desk.json(desk.layout.bandit(org: "your-org") + "/counters/welcome-email.json")
        #expect(after["variants"]?[welcome]?[day] == [1, 1, 0])
    }
}
