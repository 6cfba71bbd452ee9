import DeskKit
import Foundation
import Testing

/// The tented example of the example desk through the real binary (`copydesk process`, then
/// `copydesk status`), with a budget that runs out on its last item.
struct TentedCommandTests {
    static let example = Path.join(Path.parent(Path.parent(Path.parent(#filePath))), "inbox-example")

    @Test func theDocumentsRequestPublishesPagesUntilTheCreditsRunOut() throws {
        let desk = try TestDesk(config: #"{"base_url": "https://pages.example.com", "orgs": {"default": {"credits": 2}}}"#)
        let template = try #require(try FileSystem.readFile(Self.example + "/library/default/templates/tpl_01JABC123XYZ.json"))
        try desk.write(String(decoding: template, as: UTF8.self), to: desk.layout.templates(org: "default") + "/tpl_01JABC123XYZ.json")
        // The example's items ask for the org's brand.
        try desk.write(#"{"name": "Acme", "tagline": "Ship more, stress less."}"#, to: desk.root + "/library/default/brands/default.json")
        let request = try #require(try FileSystem.readFile(Self.example + "/inbox/acme-onboarding.json"))
        try desk.drop(String(decoding: request, as: UTF8.self), as: "acme-onboarding.json")
        let run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 1)  // an item was rejected
        let results = desk.results()
        #expect(results.count == 1)
        let result = try desk.json(desk.layout.outbox(org: "default") + "/" + (try #require(results.first)))
        #expect(result["status"] == "accepted")
        #expect(result["accepted_count"] == 2)
        #expect(result["rejected_count"] == 1)
        #expect(result["items"]?[2]?["error_code"] == "INSUFFICIENT_CREDITS")
        let page = try FileSystem.readFile(desk.root + "/outbox/default/published/site/acme-onboarding-jane/index.html")
        #expect(String(decoding: try #require(page), as: UTF8.self).contains("Welcome aboard, Jane!"))
        let status = try TestDesk.run(["status", desk.root])
        #expect(status.stdout.contains("credits default: 0 of 2 left (2 used)"))
        #expect(status.stdout.contains("2 published"))
    }
}
