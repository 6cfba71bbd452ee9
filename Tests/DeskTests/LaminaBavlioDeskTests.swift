import Desk
import DeskKit
import Foundation
import Testing

/// lamina and bavlio requests through a real desk (`processOnce`, the built-in offline provider):
/// the results in the outbox, the run ids in the status, a missing campaign in rejected/.
@Suite struct LaminaBavlioDeskTests {
    @Test func aLaminaBatchAnswersQueuedForTextAndFailedForVideo() async throws {
        let desk = try ScheduledDesk(at: "2026-11-23T10:00:00Z")
        let batch = try desk.drop(
            #"""
            {"items": [{"brief": "Caption for the spring launch", "platform": "instagram", "modality": "text"},
                       {"brief": "Teaser video", "platform": "tiktok", "modality": "video"},
                       {"platform": "x", "modality": "text"}],
             "brandProfileId": null, "campaignId": null}
            """#, as: "captions.json")
        try await desk.pass()
        let data = try #require(try desk.result(batch)["data"])
        #expect(data["batchId"] == .string(batch))
        #expect(data["total"] == 3)
        #expect(data["queued"] == 1)
        #expect(data["failed"] == 2)
        #expect(data["items"]?[0]?["status"] == "queued")
        #expect(data["items"]?[0]?["runId"] == .string("\(batch)-0"))
        #expect(data["items"]?[0]?["workflowId"] == "offline-text")
        #expect(data["items"]?[1]?["status"] == "failed")
        #expect(data["items"]?[1]?["error"]?.stringValue?.contains("no provider serves video") == true)
        #expect(data["items"]?[2]?["error"] == "items[2] needs a brief: a non-empty string")
        // The run id is the item's id in the status file.
        let status = try desk.status(batch)
        #expect(status["format"] == "lamina")
        #expect(status["items"]?[0]?["id"] == .string("\(batch)-0"))
        #expect(status["items"]?[0]?["status"] == "generated")
        #expect(status["items"]?[1]?["error"]?["code"] == "UNSUPPORTED_MODALITY")
        // The content, absent from the documented answer, is published where a client can read it.
        let published = try JSONValue.parse(
            try #require(try FileSystem.readFile(desk.layout.published(org: "default", batchID: batch) + "/\(batch)-0.json")))
        #expect(published["content"]?["text"]?.stringValue?.isEmpty == false)
        #expect(published["generation"]?["provider"] == "offline")
        #expect(!FileSystem.exists(desk.layout.published(org: "default", batchID: batch) + "/\(batch)-1.json"))
    }

    static let campaign = #"""
        {"name": "Spring", "system_prompt": "You write short B2B emails.",
         "sender": {"name": "Dana", "custom_prompt": "Sign as Dana."},
         "steps": [{"index": 1, "channel": "email", "subject": "Hello", "instructions": "Say hello."},
                   {"index": 2, "channel": "email", "subject": "Following up", "instructions": "Follow up."}],
         "leads": [{"id": "l-1", "assignment": "PERSONALIZATION", "fields": {"first_name": "Jane"}},
                   {"id": "l-2", "assignment": "CONTROL", "fields": {"first_name": "Omar"}},
                   {"id": "l-3", "assignment": "PERSONALIZATION", "fields": {"first_name": "Mei"}}]}
        """#

    @Test func aBavlioRequestDraftsTheStepForItsPersonalizationLeads() async throws {
        let desk = try ScheduledDesk(at: "2026-11-23T10:00:00Z")
        try FileSystem.ensureDirectory(desk.layout.campaigns(org: "default"))
        try AtomicFile.write(Array(Self.campaign.utf8), to: desk.layout.campaigns(org: "default") + "/spring.json")
        let batch = try desk.drop(#"{"step_index": 2, "n_leads": 50, "custom_prompt": null}"#, as: "spring.bavlio.json")
        try await desk.pass()
        let result = try desk.result(batch)
        #expect(
            result.objectValue?.keys
                == ["campaign_id", "step_index", "batch_id", "enqueued_lead_ids", "prompt_version_hash", "total"])
        #expect(result["campaign_id"] == "spring")
        #expect(result["step_index"] == 2)
        #expect(UUID(uuidString: result["batch_id"]?.stringValue ?? "") != nil)
        #expect(result["enqueued_lead_ids"] == ["l-1", "l-3"])
        #expect(result["total"] == 2)
        #expect(result["prompt_version_hash"]?.stringValue?.count == 16)
        let status = try desk.status(batch)
        #expect(status["progress"]?["generated"] == 2)
    }

    @Test(arguments: [
        (#"{"step_index": 1}"#, "gone.json", "NOT_FOUND", "campaign_id"),
        (#"{"campaign_id": "spring", "step_index": 5}"#, "steps.json", "INVALID_REQUEST", "step_index"),
        (#"{"campaign_id": "spring", "step_index": 1, "n_leads": 500}"#, "many.json", "INVALID_REQUEST", "n_leads"),
    ])
    func aWholeFileErrorReachesRejected(body: String, name: String, code: String, field: String) async throws {
        let desk = try ScheduledDesk(at: "2026-11-23T10:00:00Z")
        try FileSystem.ensureDirectory(desk.layout.campaigns(org: "default"))
        try AtomicFile.write(Array(Self.campaign.utf8), to: desk.layout.campaigns(org: "default") + "/spring.json")
        try desk.drop(body, as: name)
        try await desk.pass()
        let error = try desk.json(desk.layout.rejected(org: "default") + "/\(name).error.json")
        #expect(error["code"] == .string(code))
        #expect(error["field"] == .string(field))
        #expect(FileSystem.exists(desk.layout.rejected(org: "default") + "/" + name))
    }

    @Test func elevenLaminaItemsAreTooMany() async throws {
        let desk = try ScheduledDesk(at: "2026-11-23T10:00:00Z")
        let items = (0..<11).map { #"{"brief": "b\#($0)", "platform": "x", "modality": "text"}"# }
        try desk.drop(#"{"items": [\#(items.joined(separator: ","))], "campaignId": null}"#, as: "eleven.json")
        try await desk.pass()
        let error = try desk.json(desk.layout.rejected(org: "default") + "/eleven.json.error.json")
        #expect(error["code"] == "TOO_MANY_ITEMS")
    }
}
