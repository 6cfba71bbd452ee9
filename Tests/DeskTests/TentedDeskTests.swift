import Desk
import DeskKit
import Foundation
import Testing

/// tented requests through a real desk (`processOnce`): the document's two responses, pages
/// published at their aliases with their assets, aliases owned across batches.
@Suite struct TentedDeskTests {
    static let template = #"""
        {"id": "tpl_01JABC123XYZ", "approved": true, "output": "html",
         "variants": [{"id": "page", "vars": {"html": "<!DOCTYPE html><html><body><h1>{{ first_name }} at {{ company_name }}</h1><p>{{ cta_text }}</p><footer>{{ brand.name }}</footer></body></html>"}}]}
        """#

    /// A desk with the example's template, a brand and an asset, on a fixed clock.
    static func desk(config: String? = #"{"base_url": "https://pages.example.com/"}"#) throws -> ScheduledDesk {
        let desk = try ScheduledDesk(at: "2026-03-25T14:30:00Z", config: config)
        let library = desk.layout.library(org: "default")
        try AtomicFile.write(Array(template.utf8), to: desk.layout.templates(org: "default") + "/tpl_01JABC123XYZ.json")
        try FileSystem.createDirectory(library + "/brands")
        try AtomicFile.write(Array(#"{"name": "Acme Corp"}"#.utf8), to: library + "/brands/default.json")
        try FileSystem.createDirectory(library + "/assets")
        try AtomicFile.write([0x89, 0x50, 0x4E, 0x47, 0, 1, 2], to: library + "/assets/logo.png")
        return desk
    }

    static func page(_ desk: ScheduledDesk, _ alias: String) -> String? {
        let path = desk.layout.root + "/outbox/default/published/site/" + (alias == "/" ? "" : alias + "/") + "index.html"
        return ((try? FileSystem.readFile(path)) ?? nil).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func theDocumentsExampleIsAcceptedAndEveryPageIsPublished() async throws {
        let desk = try Self.desk()
        let batch = try desk.drop(TentedExample.request, as: "acme-onboarding.json")
        try await desk.pass()
        let result = try desk.result(batch)
        #expect(
            result.objectValue?.keys
                == ["bulk_job_id", "status", "template_id", "auto_publish", "accepted_count", "rejected_count", "items",
                    "metadata", "created_at"])
        #expect(result["bulk_job_id"] == .string(batch))
        #expect(result["status"] == "accepted")
        #expect(result["template_id"] == "tpl_01JABC123XYZ")
        #expect(result["auto_publish"] == true)
        #expect(result["accepted_count"] == 3)
        #expect(result["rejected_count"] == 0)
        #expect(result["metadata"] == ["source": "crm-import", "batch_label": "acme-q2-onboarding"])
        #expect(result["created_at"] == "2026-03-25T14:30:00.000Z")
        let items = try #require(result["items"]?.arrayValue)
        #expect(items.map { $0["tent_name"] } == ["Acme Onboarding Page 1", "Acme onboarding 2", "Acme onboarding 3"])
        #expect(items.map { $0["client_item_id"] } == ["acme-row-001", "acme-row-002", "acme-row-003"])
        #expect(items.map { $0["status"] } == ["accepted", "accepted", "accepted"])
        for (index, item) in items.enumerated() {
            #expect(item.objectValue?.keys == ["index", "client_item_id", "tent_id", "tent_name", "custom_page_alias", "status"])
            #expect(item["index"] == .int(index))
            #expect(UUID(uuidString: item["tent_id"]?.stringValue ?? "") != nil)
        }
        // Each page is the template's html variant, with the item's input_data and the brand.
        let jane = try #require(Self.page(desk, "acme-onboarding-jane"))
        #expect(jane.contains("<h1>Jane at Acme</h1>"))
        #expect(jane.contains("<footer>Acme Corp</footer>"))
        #expect(Self.page(desk, "acme-onboarding-sarah")?.contains("Confirm your onboarding session") == true)
        // The status ends with each page's path and URL.
        let status = try desk.status(batch)
        #expect(status["bulk_job_id"] == .string(batch))
        #expect(status["format"] == "tented")
        #expect(status["status"] == "completed")
        #expect(status["progress"]?["published"] == 3)
        #expect(status["items"]?[1]?["published"] == "outbox/default/published/site/acme-onboarding-michael/index.html")
        #expect(status["items"]?[1]?["url"] == "https://pages.example.com/acme-onboarding-michael")
        #expect(status["items"]?[1]?["id"] == items[1]["tent_id"])
    }

    @Test func anInvalidAliasRejectsThatItemAndTheRestGoOn() async throws {
        let desk = try Self.desk()
        let text = TentedExample.request.replacingOccurrences(
            of: #""custom_page_alias": "acme-onboarding-michael""#, with: #""custom_page_alias": "Acme Onboarding Michael""#)
        let batch = try desk.drop(text, as: "partial.json")
        try await desk.pass()
        let result = try desk.result(batch)
        #expect(result["status"] == "accepted")
        #expect(result["accepted_count"] == 2)
        #expect(result["rejected_count"] == 1)
        let rejected = try #require(result["items"]?[1])
        #expect(rejected.objectValue?.keys == ["index", "client_item_id", "status", "error_code", "message"])
        #expect(rejected["index"] == 1)
        #expect(rejected["client_item_id"] == "acme-row-002")
        #expect(rejected["status"] == "rejected")
        #expect(rejected["error_code"] == "INVALID_ITEM")
        #expect(rejected["message"]?.stringValue?.hasPrefix("Invalid custom_page_alias") == true)
        #expect(result["items"]?[2]?["tent_name"] == "Acme onboarding 3")
        #expect(result["items"]?[2]?["status"] == "accepted")
        #expect(Self.page(desk, "acme-onboarding-jane") != nil)
        #expect(Self.page(desk, "acme-onboarding-sarah") != nil)
        let status = try desk.status(batch)
        #expect(status["items"]?[1]?["status"] == "rejected")
        #expect(status["items"]?[1]?["error"]?["field"] == "items[1].custom_page_alias")
    }

    @Test func anAliasPublishedByAnEarlierBatchBelongsToIt() async throws {
        let desk = try Self.desk()
        let first = try desk.drop(
            #"{"template_id": "tpl_01JABC123XYZ", "auto_publish": true, "items": [{"custom_page_alias": "jane", "input_data": {"first_name": "Jane"}}]}"#,
            as: "first.json")
        try await desk.pass()
        let second = try desk.drop(
            #"{"template_id": "tpl_01JABC123XYZ", "auto_publish": true, "items": [{"custom_page_alias": "jane", "input_data": {"first_name": "Impostor"}}, {"custom_page_alias": "omar", "input_data": {"first_name": "Omar"}}]}"#,
            as: "second.json")
        try await desk.pass()
        #expect(try desk.result(first)["accepted_count"] == 1)
        let result = try desk.result(second)
        #expect(result["accepted_count"] == 1)
        #expect(result["items"]?[0]?["error_code"] == "INVALID_ITEM")
        #expect(result["items"]?[0]?["message"]?.stringValue?.contains("already published by batch '\(first)'") == true)
        #expect(Self.page(desk, "jane")?.contains("Jane") == true)
        #expect(Self.page(desk, "jane")?.contains("Impostor") == false)
        #expect(Self.page(desk, "omar") != nil)
    }

    @Test func assetsAreCopiedBesideThePageAndMissingOrEscapingOnesAreRejected() async throws {
        let desk = try Self.desk()
        let batch = try desk.drop(
            #"""
            {"template_id": "tpl_01JABC123XYZ", "auto_publish": true,
             "items": [{"custom_page_alias": "with-logo", "input_data": {"first_name": "Jane"}, "asset_ids": ["logo"]},
                       {"custom_page_alias": "missing", "input_data": {"first_name": "Omar"}, "asset_ids": ["logo", "nope"]},
                       {"custom_page_alias": "escape", "input_data": {"first_name": "Eve"}, "asset_ids": ["../../../copydesk.json"]},
                       {"custom_page_alias": "/", "input_data": {"first_name": "Root"}}]}
            """#, as: "assets.json")
        try await desk.pass()
        let result = try desk.result(batch)
        #expect(result["items"]?[0]?["status"] == "accepted")
        #expect(result["items"]?[1]?["error_code"] == "NOT_FOUND")
        #expect(result["items"]?[1]?["message"]?.stringValue?.contains("asset 'nope'") == true)
        #expect(result["items"]?[2]?["error_code"] == "INVALID_ITEM")
        let copied = try FileSystem.readFile(desk.layout.root + "/outbox/default/published/site/with-logo/assets/logo.png")
        #expect(copied == [0x89, 0x50, 0x4E, 0x47, 0, 1, 2])
        #expect(!FileSystem.exists(desk.layout.root + "/outbox/default/published/site/missing"))
        #expect(!FileSystem.exists(desk.layout.root + "/outbox/default/published/site/escape"))
        // "/" is the site's root.
        #expect(Self.page(desk, "/")?.contains("Root") == true)
        #expect(try desk.status(batch)["items"]?[3]?["url"] == "https://pages.example.com/")
    }

    @Test func pagesWithoutAnAliasArePublishedAtTheirTentIDAndDraftsAreKeptApart() async throws {
        let desk = try Self.desk(config: nil)
        let published = try desk.drop(
            #"{"template_id": "tpl_01JABC123XYZ", "auto_publish": true, "items": [{"input_data": {"first_name": "Ann"}}]}"#,
            as: "published.json")
        let drafts = try desk.drop(
            #"{"template_id": "tpl_01JABC123XYZ", "items": [{"input_data": {"first_name": "Bo"}}]}"#, as: "drafts.json")
        try await desk.pass()
        let tent = try #require(try desk.result(published)["items"]?[0]?["tent_id"]?.stringValue)
        #expect(Self.page(desk, tent)?.contains("Ann") == true)
        let status = try desk.status(published)
        #expect(status["items"]?[0]?["published"] == .string("outbox/default/published/site/\(tent)/index.html"))
        #expect(status["items"]?[0]?["url"] == nil)  // no base_url
        let draft = try #require(try desk.result(drafts)["items"]?[0]?["tent_id"]?.stringValue)
        #expect(try desk.result(drafts)["auto_publish"] == false)
        #expect(try desk.status(drafts)["items"]?[0]?["status"] == "generated")
        let file = try FileSystem.readFile(desk.layout.root + "/outbox/default/published/\(drafts)/\(draft)/index.html")
        #expect(String(decoding: try #require(file), as: UTF8.self).contains("Bo"))
        #expect(Self.page(desk, draft) == nil)
    }

    @Test func anUnknownTemplateRejectsEveryItemNotFound() async throws {
        let desk = try Self.desk()
        let batch = try desk.drop(
            #"{"template_id": "nope", "items": [{"input_data": {}}, {"input_data": {}}]}"#, as: "unknown.json")
        try await desk.pass()
        let result = try desk.result(batch)
        #expect(result["status"] == "rejected")
        #expect(result["accepted_count"] == 0)
        #expect(result["items"]?.arrayValue?.map { $0["error_code"] } == ["NOT_FOUND", "NOT_FOUND"])
    }

    @Test func anUnapprovedTemplateRejectsTheFileWithAClearMessage() async throws {
        let desk = try Self.desk()
        try AtomicFile.write(
            Array(#"{"id": "draft", "approved": false, "variants": [{"id": "a", "vars": {"html": "x"}}]}"#.utf8),
            to: desk.layout.templates(org: "default") + "/draft.json")
        try desk.drop(#"{"template_id": "draft", "items": [{"input_data": {}}]}"#, as: "draft.json")
        try await desk.pass()
        let error = try desk.json(desk.layout.rejected(org: "default") + "/draft.json.error.json")
        #expect(error["code"] == "INVALID_REQUEST")
        #expect(error["field"] == "template_id")
        #expect(error["message"]?.stringValue?.contains("is not approved") == true)
    }
}
