import DeskKit
import Dialects
import Testing

struct JustwordsDialectTests {
    static let context = DecodeContext(batchID: "jw-1234abcd", org: "acme", fileName: "jw.json")

    static func decode(_ text: String) throws -> BatchRequest {
        let document = try JSONValue.parse(text)
        let dialect = try #require(RequestFormat.dialect(for: document))
        #expect(dialect.name == "justwords")
        return try dialect.decode(document, context: context)
    }

    @Test func sharedFieldsApplyToEveryRequest() throws {
        let request = try Self.decode(
            """
            {"requests": [{"template_id": "welcome-email", "tracking_id": "msg_001"},
                          {"template_id": "follow-up-day3", "copy_id": "short", "bucket_name": "vip"},
                          {"template_id": "re-engagement-day7", "tracking_id": 42}],
             "user_id": "user_123", "fields": {"user_name": "Alice"}, "attrs": {"plan": "premium"},
             "lookback_days": 30, "offset_days": 1, "epsilon": 0.2, "trace": true}
            """)
        #expect(request.format == "justwords")
        #expect(request.items.count == 3)
        #expect(request.items.map(\.templateID) == ["welcome-email", "follow-up-day3", "re-engagement-day7"])
        #expect(request.items.map(\.trackingID) == ["msg_001", "jw-1234abcd.1", "42"])
        #expect(request.items[1].copyID == "short")
        #expect(request.items[1].bucket == "vip")
        for item in request.items {
            #expect(item.userID == "user_123")
            #expect(item.fields["user_name"] == "Alice")
            #expect(item.attrs["plan"] == "premium")
            #expect(
                item.options
                    == ChoiceOptions(lookbackDays: 30, offsetDays: 1, epsilon: 0.2, useCache: true, trace: true))
            #expect(item.rejection == nil)
        }
    }

    @Test func useCacheDefaultsToTrue() throws {
        #expect(try Self.decode(#"{"requests": [{"template_id": "a"}]}"#).items[0].options.useCache)
        #expect(
            try !Self.decode(#"{"requests": [{"template_id": "a"}], "use_cache": false}"#).items[0].options.useCache)
    }

    @Test func aBadEntryIsRejectedAlone() throws {
        let request = try Self.decode(
            #"{"requests": [{"template_id": "a"}, {"copy_id": "x"}, {"template_id": "a"}, "b", {"template_id": 7}]}"#)
        #expect(request.items[0].rejection == nil)
        #expect(request.items[1].rejection?.code == .invalidItem)
        #expect(request.items[1].rejection?.field == "requests[1].template_id")
        #expect(request.items[2].rejection?.code == .invalidItem)
        #expect(request.items[2].rejection?.message.contains("again") == true)
        #expect(request.items[3].rejection?.code == .invalidItem)
        #expect(request.items[4].rejection?.code == .invalidItem)
    }

    @Test(arguments: [
        (#"{"requests": []}"#, "INVALID_REQUEST", "requests"),
        (#"{"requests": [{"template_id": "a"}], "attrs": []}"#, "INVALID_REQUEST", "attrs"),
        (#"{"requests": [{"template_id": "a"}], "fields": "x"}"#, "INVALID_REQUEST", "fields"),
        (#"{"requests": [{"template_id": "a"}], "user_id": true}"#, "INVALID_REQUEST", "user_id"),
        (#"{"requests": [{"template_id": "a"}], "epsilon": 1.5}"#, "INVALID_REQUEST", "epsilon"),
        (#"{"requests": [{"template_id": "a"}], "lookback_days": -1}"#, "INVALID_REQUEST", "lookback_days"),
        (#"{"requests": [{"template_id": "a"}], "trace": "yes"}"#, "INVALID_REQUEST", "trace"),
        (
            #"{"requests": [\#(Array(repeating: #"{"template_id": "a"}"#, count: 21).joined(separator: ","))]}"#,
            "TOO_MANY_ITEMS", "requests"
        ),
    ])
    func wholeRequestProblemsRejectTheFile(text: String, code: String, field: String) throws {
        #expect {
            try Self.decode(text)
        } throws: { error in
            guard let error = error as? DeskError else { return false }
            return error.code.rawValue == code && error.field == field
        }
    }

    @Test func theResponseIsKeyedByTemplateID() throws {
        let request = try Self.decode(
            #"{"requests": [{"template_id": "w", "tracking_id": "m1"}, {"template_id": "f"}, {"copy_id": "x"}, {"template_id": "w"}]}"#
        )
        let outcomes = [
            ItemOutcome(
                index: 0, state: .generated, templateID: "w", copyID: "warm", trackingID: "m1",
                content: JSONObject([("subject", "Hi")]), trace: ["algorithm": "thompson"]),
            ItemOutcome(
                index: 1, state: .failed, templateID: "f", trackingID: "jw-1234abcd.1",
                error: DeskError(.notFound, "template 'f' does not exist", field: "template_id")),
            ItemOutcome(index: 2, state: .rejected, error: request.items[2].rejection),
            ItemOutcome(index: 3, state: .rejected, error: request.items[3].rejection),
        ]
        let response = JustwordsDialect().encodeResult(
            BatchResult(
                batchID: "jw-1234abcd", org: "acme", status: .completed, request: request, outcomes: outcomes,
                completedAt: Timestamp(nanoseconds: 0)))
        #expect(response.objectValue?.keys == ["w", "f", "requests[2]", "requests[3]"])
        #expect(
            response["w"] == [
                "tracking_id": "m1", "copy": ["id": "warm", "vars": ["subject": "Hi"]],
                "trace": ["algorithm": "thompson"],
            ])
        #expect(response["f"]?["tracking_id"] == "jw-1234abcd.1")
        #expect(response["f"]?["error"]?["code"] == "NOT_FOUND")
        #expect(response["f"]?["copy"] == nil)
        #expect(response["requests[2]"]?["error"]?["code"] == "INVALID_ITEM")
        #expect(response["requests[3]"]?["error"]?["field"] == "requests[3].template_id")
    }
}
