import DeskKit
import Dialects
import Testing

struct LaminaDialectTests {
    static let context = DecodeContext(batchID: "launch-1f0c2a9b", org: "acme", fileName: "launch.json")

    static func decode(_ text: String) throws -> BatchRequest {
        let document = try JSONValue.parse(text)
        let dialect = try #require(RequestFormat.dialect(for: document))
        #expect(dialect.name == "lamina")
        return try dialect.decode(document, context: context)
    }

    /// The seed's request body, verbatim.
    static let seedRequest = """
        {
          "items": [
            {
              "brief": "Lifestyle photo of sneakers in urban park, golden-hour lighting",
              "platform": "instagram",
              "modality": "image"
            },
            {
              "brief": "Product flat-lay of full colorway lineup, minimalist styling",
              "platform": "instagram",
              "modality": "image"
            },
            {
              "brief": "15-second video of sneaker unboxing with ASMR-style close-ups",
              "platform": "tiktok",
              "modality": "video"
            }
          ],
          "brandProfileId": null,
          "campaignId": null
        }
        """

    @Test func theSeedRequestBecomesThreePromptItems() throws {
        let request = try Self.decode(Self.seedRequest)
        #expect(request.format == "lamina")
        #expect(request.schedule == .immediate)
        #expect(request.publish)
        #expect(request.items.count == 3)
        #expect(request.items.allSatisfy { $0.kind == .prompt && $0.rejection == nil })
        #expect(request.items.map(\.id) == ["launch-1f0c2a9b-0", "launch-1f0c2a9b-1", "launch-1f0c2a9b-2"])
        #expect(request.items.map(\.modality) == ["image", "image", "video"])
        #expect(request.items[0].topic == "Lifestyle photo of sneakers in urban park, golden-hour lighting")
        #expect(request.items.map { $0.fields["platform"] } == ["instagram", "instagram", "tiktok"])
        #expect(request.items.allSatisfy { $0.brandID == nil && $0.campaignID == nil })
        #expect(request.prompt.brandID == nil && request.prompt.campaignID == nil)
    }

    @Test func itemsOverrideTheBatchBrandAndCampaign() throws {
        let request = try Self.decode(
            #"""
            {"brandProfileId": "b-default", "campaignId": "c-spring",
             "items": [{"brief": "a", "platform": "x", "modality": "text"},
                       {"brief": "b", "platform": "x", "modality": "image", "brandProfileId": "b-kids", "campaignId": null},
                       {"brief": "c", "platform": "x", "campaignId": "c-summer"}]}
            """#)
        #expect(request.prompt.brandID == "b-default")
        #expect(request.prompt.campaignID == "c-spring")
        #expect(request.items.map(\.brandID) == ["b-default", "b-kids", "b-default"])
        #expect(request.items.map(\.campaignID) == ["c-spring", "c-spring", "c-summer"])
        #expect(request.items[2].modality == "text")
    }

    @Test(arguments: [
        (#"{"platform": "x", "modality": "image"}"#, "items[0].brief"),
        (#"{"brief": "   ", "platform": "x", "modality": "image"}"#, "items[0].brief"),
        (#"{"brief": 3, "platform": "x", "modality": "image"}"#, "items[0].brief"),
        (#"{"brief": "a", "platform": "x", "modality": "hologram"}"#, "items[0].modality"),
        (#"{"brief": "a", "platform": "x", "modality": 2}"#, "items[0].modality"),
        (#"{"brief": "a", "platform": ["x"], "modality": "image"}"#, "items[0].platform"),
        (#"{"brief": "a", "modality": "image", "brandProfileId": 7}"#, "items[0].brandProfileId"),
        (#""a string""#, "items[0]"),
    ])
    func aBadItemIsRejectedAlone(item: String, field: String) throws {
        let request = try Self.decode(
            #"{"items": [\#(item), {"brief": "fine", "platform": "x", "modality": "image"}], "campaignId": null}"#)
        #expect(request.items[0].rejection?.code == .invalidItem)
        #expect(request.items[0].rejection?.field == field)
        #expect(request.items[1].rejection == nil)
        #expect(request.items[1].id == "launch-1f0c2a9b-1")
    }

    static func items(_ n: Int) -> String {
        "[" + (0..<n).map { #"{"brief": "b\#($0)", "platform": "x", "modality": "text"}"# }.joined(separator: ",") + "]"
    }

    @Test(arguments: [
        (#"{"items": [], "brandProfileId": null}"#, DeskError.Code.invalidRequest, "items"),
        (#"{"items": \#(items(11))}"#, .tooManyItems, "items"),
        (#"{"items": \#(items(1)), "brandProfileId": 5}"#, .invalidRequest, "brandProfileId"),
        (#"{"items": \#(items(1)), "campaignId": {}}"#, .invalidRequest, "campaignId"),
    ])
    func aBadRequestIsRejectedWhole(text: String, code: DeskError.Code, field: String) {
        #expect {
            try Self.decode(text)
        } throws: { error in
            guard let error = error as? DeskError else { return false }
            return error.code == code && error.field == field
        }
    }

    @Test func tenItemsAreTheLimit() throws {
        #expect(try Self.decode(#"{"items": \#(Self.items(10))}"#).items.count == 10)
        #expect(RequestFormat.itemCap(of: "lamina") == 10)
    }

    /// The seed's outcome: two images made, the video rejected at admission because no provider
    /// serves video.
    @Test func theResultHasTheDocumentedShape() throws {
        let request = try Self.decode(Self.seedRequest)
        let generationValue: JSONValue = [
            "provider": "offline", "model": "offline-1", "prompt_tokens": 40, "completion_tokens": 120,
            "latency_ms": 3, "attempts": 1, "prompt_version_hash": "0123456789abcdef",
        ]
        let generation = try #require(generationValue.objectValue)
        let video = DeskError(.unsupportedModality, "no provider serves video for org acme", field: "items[2].modality")
        let outcomes = [
            ItemOutcome(index: 0, id: "launch-1f0c2a9b-0", state: .published, generation: generation),
            ItemOutcome(index: 1, id: "launch-1f0c2a9b-1", state: .published, generation: generation),
            ItemOutcome(index: 2, id: "launch-1f0c2a9b-2", state: .rejected, error: video),
        ]
        let result = LaminaDialect().encodeResult(
            BatchResult(
                batchID: "launch-1f0c2a9b", org: "acme", status: .completed, request: request, outcomes: outcomes,
                completedAt: Timestamp(iso8601: "2026-11-23T10:00:00Z")!, promptVersionHash: "0123456789abcdef"))
        let expected = try JSONValue.parse(
            """
            {"data": {"batchId": "launch-1f0c2a9b", "total": 3, "queued": 2, "failed": 1,
                      "items": [
                        {"index": 0, "status": "queued", "runId": "launch-1f0c2a9b-0",
                         "workflowId": "offline-image", "workflowName": "copydesk offline image"},
                        {"index": 1, "status": "queued", "runId": "launch-1f0c2a9b-1",
                         "workflowId": "offline-image", "workflowName": "copydesk offline image"},
                        {"index": 2, "status": "failed", "error": "no provider serves video for org acme"}]}}
            """)
        #expect(result == expected)
        // Every documented key, with its type.
        let data = try #require(result["data"]?.objectValue)
        #expect(data.keys == ["batchId", "total", "queued", "failed", "items"])
        let items = try #require(data["items"]?.arrayValue)
        for item in items {
            let o = try #require(item.objectValue)
            #expect(o["index"]?.intValue != nil)
            switch o["status"] {
            case "queued"?:
                #expect(o.keys == ["index", "status", "runId", "workflowId", "workflowName"])
                #expect(["runId", "workflowId", "workflowName"].allSatisfy { o[$0]?.stringValue?.isEmpty == false })
            case "failed"?:
                #expect(o.keys == ["index", "status", "error"])
                #expect(o["error"]?.stringValue?.isEmpty == false)
            default:
                Issue.record("status \(String(describing: o["status"])) is neither queued nor failed")
            }
        }
    }

    @Test(arguments: [
        (ItemState.generated, "queued"), (.pending, "queued"), (.generating, "queued"), (.publishing, "queued"),
        (.published, "queued"), (.failed, "failed"), (.cancelled, "failed"), (.rejected, "failed"),
    ])
    func eachStateAnswersQueuedOrFailed(state: ItemState, status: String) throws {
        let request = try Self.decode(#"{"items": \#(Self.items(1))}"#)
        let error: DeskError? =
            state == .failed ? DeskError(.providerTimeout, "the provider did not answer within 60 s") : nil
        let result = LaminaResultEncoder.encode(
            BatchResult(
                batchID: "launch-1f0c2a9b", org: "acme", status: .completed, request: request,
                outcomes: [ItemOutcome(index: 0, state: state, error: error)],
                completedAt: Timestamp(iso8601: "2026-11-23T10:00:00Z")!))
        let item = try #require(result["data"]?["items"]?[0])
        #expect(item["status"]?.stringValue == status)
        if state == .failed { #expect(item["error"] == "the provider did not answer within 60 s") }
        if status == "queued" {
            #expect(item["runId"] == "launch-1f0c2a9b-0")
            #expect(item["workflowId"] == "copydesk-text")
        }
        #expect(result["data"]?["queued"]?.intValue == (status == "queued" ? 1 : 0))
        #expect(result["data"]?["failed"]?.intValue == (status == "failed" ? 1 : 0))
    }

    @Test func anItemRejectedByTheDecoderIsFailedWithItsMessage() throws {
        let request = try Self.decode(
            #"{"items": [{"platform": "x", "modality": "image"}, {"brief": "ok", "modality": "text"}]}"#)
        let result = LaminaResultEncoder.encode(
            BatchResult(
                batchID: "launch-1f0c2a9b", org: "acme", status: .completed, request: request,
                outcomes: [
                    ItemOutcome(index: 0, state: .rejected, error: request.items[0].rejection),
                    ItemOutcome(index: 1, state: .generated, generation: JSONObject([("provider", "offline")])),
                ],
                completedAt: Timestamp(iso8601: "2026-11-23T10:00:00Z")!))
        #expect(result["data"]?["items"]?[0]?["error"] == "items[0] needs a brief: a non-empty string")
        #expect(result["data"]?["items"]?[1]?["workflowName"] == "copydesk offline text")
        #expect(result["data"]?["total"] == 2)
    }
}
