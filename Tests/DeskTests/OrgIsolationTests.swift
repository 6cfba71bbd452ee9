import Desk
import DeskKit
import Testing

/// Org `a` and org `b` each keep a secret in their library; requests of `a` try every route to
/// `b`'s (template ids, brand ids, campaign ids, include and render paths, lamina aliases) and
/// none reaches anything `a` gets back, nor does `a` write into `b`'s outbox or state.
@Suite struct OrgIsolationTests {
    /// The secret of org `b`, in a template, a partial, a brand profile and a campaign.
    static let secretOfB = "B-ONLY-SECRET"

    /// A desk with orgs `a` and `b`; `b`'s library holds its secret in every kind of file, and
    /// `a`'s template `sneaky` tries to include it by relative and absolute paths.
    static func makeDesk() throws -> SealedDesk {
        let desk = try SealedDesk(orgs: ["a", "b"])
        let b = desk.layout.library(org: "b")
        let secret = SealedDesk.secret.replacingOccurrences(of: SealedDesk.marker, with: secretOfB)
        try desk.plant(Array(secret.utf8), at: b + "/templates/secret.json")
        try desk.plant(Array(secret.utf8), at: b + "/brands/secret.json")
        try desk.plant(Array(secret.utf8), at: b + "/brands/default.json")
        try desk.plant(Array(secret.utf8), at: b + "/campaigns/secret.json")
        try desk.plant(Array("\(secretOfB) {{ name }}".utf8), at: b + "/templates/partials/x.liquid")
        try desk.plant(Array("\(secretOfB)".utf8), at: b + "/assets/secret.txt")
        let routes = [
            "{% include '../../b/templates/partials/x' %}", "{% render '../../../b/templates/partials/x' %}",
            "{% include '../../../library/b/templates/partials/x' %}", "{% include '\(b)/templates/partials/x' %}",
            "{% render '/../b/templates/partials/x' %}", "{% include p %}", "{% render p %}",
        ]
        for (i, route) in routes.enumerated() {
            let template =
                #"{"id": "sneaky-\#(i)", "approved": true, "variants": [{"id": "a", "vars": {"body": \#(JSONValue.string("[" + route + "]").serializedString())}}]}"#
            try desk.plant(Array(template.utf8), at: desk.layout.templates(org: "a") + "/sneaky-\(i).json")
        }
        return desk
    }

    /// Everything org `b`'s secret is kept in must be untouched and unread by `a`'s requests:
    /// no file of `a` (outbox, state, rejected, archive) holds it, and `b` has no output at all.
    static func expectIsolated(_ desk: SealedDesk, sourceLocation: SourceLocation = #_sourceLocation) {
        let layout = desk.layout
        for folder in [
            layout.outbox(org: "a"), layout.state(org: "a"), layout.rejected(org: "a"), layout.archive(org: "a"),
        ] {
            for path in desk.files(under: folder) {
                let text = String(decoding: (try? FileSystem.readFile(path)) ?? [], as: UTF8.self)
                #expect(!text.contains(secretOfB), "\(path) holds b's secret", sourceLocation: sourceLocation)
            }
        }
        for folder in [
            layout.outbox(org: "b"), layout.state(org: "b"), layout.rejected(org: "b"), layout.archive(org: "b"),
        ] {
            #expect(
                desk.files(under: folder).isEmpty, "a request of a wrote into \(folder)", sourceLocation: sourceLocation
            )
        }
        desk.expectSealed(sourceLocation: sourceLocation)
    }

    @Test func includeAndRenderPathsNeverReachAnotherOrgsPartials() async throws {
        let desk = try Self.makeDesk()
        let p = JSONValue.string("../../b/templates/partials/x").serializedString()
        let items = (0..<7).map { #"{"template_id": "sneaky-\#($0)", "fields": {"name": "Ann", "p": \#(p)}}"# }
        let batch = try desk.drop(#"{"items": [\#(items.joined(separator: ", "))]}"#, as: "sneaky.json", org: "a")
        try await desk.pass()
        let status = try desk.status(batch, org: "a")
        for i in 0..<7 { #expect(status["items"]?[i]?["status"] == "failed", "route \(i)") }
        Self.expectIsolated(desk)
    }

    @Test func anotherOrgsTemplateIsNotFound() async throws {
        let desk = try Self.makeDesk()
        let ids = ["secret", "../b/templates/secret", "../../b/templates/secret", "../../library/b/templates/secret"]
        let items = ids.map {
            #"{"template_id": \#(JSONValue.string($0).serializedString()), "fields": {"name": "Ann"}}"#
        }
        let batch = try desk.drop(#"{"items": [\#(items.joined(separator: ", "))]}"#, as: "templates.json", org: "a")
        try await desk.pass()
        let status = try desk.status(batch, org: "a")
        #expect(status["items"]?[0]?["error"]?["code"] == "NOT_FOUND")
        for i in 1..<ids.count { #expect(status["items"]?[i]?["error"]?["code"] == "INVALID_ITEM") }
        Self.expectIsolated(desk)
    }

    @Test func anotherOrgsBrandIsNotFound() async throws {
        let desk = try Self.makeDesk()
        let ids = ["secret", "../../b/brands/secret", "b/brands/secret"]
        var items = ids.map { #"{"topic": "Spring news", "brand_id": \#(JSONValue.string($0).serializedString())}"# }
        items.append(#"{"topic": "Spring news"}"#)  // a's own default brand: a has none, b's is never used
        let batch = try desk.drop(#"{"items": [\#(items.joined(separator: ", "))]}"#, as: "brands.json", org: "a")
        let lamina = try desk.drop(
            #"{"brandProfileId": "secret", "items": [{"brief": "Spring", "platform": "x", "modality": "text"}, {"brief": "Spring", "platform": "x", "modality": "text", "brandProfileId": "../../b/brands/secret"}]}"#,
            as: "lamina.json", org: "a")
        try await desk.pass()
        let status = try desk.status(batch, org: "a")
        #expect(status["items"]?[0]?["error"]?["code"] == "NOT_FOUND")
        #expect(status["items"]?[1]?["error"]?["code"] == "INVALID_ITEM")
        #expect(status["items"]?[2]?["error"]?["code"] == "INVALID_ITEM")
        #expect(status["items"]?[3]?["status"] == "generated")
        let laminaStatus = try desk.status(lamina, org: "a")
        #expect(laminaStatus["items"]?[0]?["error"]?["code"] == "NOT_FOUND")
        #expect(laminaStatus["items"]?[1]?["error"]?["code"] == "INVALID_ITEM")
        Self.expectIsolated(desk)
    }

    @Test func anotherOrgsCampaignIsNotFound() async throws {
        let desk = try Self.makeDesk()
        try desk.drop(#"{"campaign_id": "secret", "step_index": 1}"#, as: "by-body.json", org: "a")
        try desk.drop(#"{"step_index": 1}"#, as: "secret.bavlio.json", org: "a")
        try desk.drop(#"{"campaign_id": "../../b/campaigns/secret", "step_index": 1}"#, as: "by-path.json", org: "a")
        try await desk.pass()
        #expect(try desk.rejection("by-body.json", org: "a")["code"] == "NOT_FOUND")
        #expect(try desk.rejection("secret.bavlio.json", org: "a")["code"] == "NOT_FOUND")
        #expect(try desk.rejection("by-path.json", org: "a")["code"] == "INVALID_REQUEST")
        Self.expectIsolated(desk)
    }

    @Test func eventsOfOneOrgNeverCountForAnother() async throws {
        let desk = try Self.makeDesk()
        try desk.drop(
            #"{"template_id": "secret", "copy_id": "a", "type": "click", "at": "2026-11-23T09:00:00Z"}"# + "\n"
                + #"{"template_id": "../b/templates/secret", "copy_id": "a", "type": "click", "at": "2026-11-23T09:00:00Z"}"#,
            as: "clicks.events.jsonl", org: "a")
        try await desk.pass()
        #expect(desk.files(under: desk.layout.bandit(org: "b")).isEmpty)
        Self.expectIsolated(desk)
    }
}
