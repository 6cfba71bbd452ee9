import DeskKit
import Dialects
import Testing

struct RequestFormatTests {
    @Test(arguments: [
        // native: the shapes of the native tests, the desk tests and the README
        (#"{"items": []}"#, "native" as String?),
        (#"{"items": [{"id": "a"}]}"#, "native"),
        (#"{"items": [{"topic": "spring sale"}]}"#, "native"),
        (#"{"items": [{"id": "c", "topic": "spring"}]}"#, "native"),
        (#"{"template_id": "hello", "items": [{"id": "a"}, {"id": "b", "copy_id": "zzz"}]}"#, "native"),
        (#"{"template_id": "hello", "idempotency_key": "k-1", "items": [{"fields": {"name": "x"}}]}"#, "native"),
        (#"{"items": ["just text", {"template_id": "t"}]}"#, "native"),
        (#"{"items": [{"id": "no-template"}, {"template_id": "t"}]}"#, "native"),
        (#"{"items": 3}"#, "native"),
        (#"{"items_from": "a.csv"}"#, "native"),
        // native items that happen to carry a lamina word stay native
        (#"{"items": [{"topic": "spring", "modality": "image"}]}"#, "native"),
        (#"{"items": [{"template_id": "t", "platform": "x"}]}"#, "native"),
        (#"{"template_id": "t", "items": [{"brief": "b", "platform": "x", "modality": "image"}]}"#, "native"),
        (#"{"schedule": {"strategy": "immediate"}, "items": [{"brief": "b"}]}"#, "native"),
        (#"{"items": [{"brief": "b", "platform": "x"}, {"id": "1", "fields": {}}]}"#, "native"),
        // native prompt items written with brief and modality (main's native items take them)
        (#"{"items": [{"brief": "b"}]}"#, "native"),
        (#"{"items": [{"brief": "b", "modality": "image"}]}"#, "native"),
        (#"{"items": [{"id": "p1", "brief": "b", "modality": "text", "platform": "x"}]}"#, "native"),
        (#"{"items": [{"brief": "b", "custom_prompt": "c", "brand_id": "acme"}]}"#, "native"),
        (#"{"publish": false, "items": [{"brief": "b", "platform": "x"}]}"#, "native"),
        (#"{"idempotency_key": "k", "items": [{"brief": "b", "platform": "x"}]}"#, "native"),
        // lamina
        (#"{"items": [{"brief": "b", "platform": "instagram", "modality": "image"}]}"#, "lamina"),
        (#"{"items": [{"platform": "instagram", "modality": "image"}]}"#, "lamina"),  // no brief: rejected item
        (#"{"items": [{"brief": "b", "modality": "image", "brandProfileId": "b1"}]}"#, "lamina"),
        (#"{"items": [{"brief": "b"}], "campaignId": null}"#, "lamina"),
        (#"{"items": [], "brandProfileId": null}"#, "lamina"),
        (#"{"items": [{}], "campaignId": "c"}"#, "lamina"),
        (#"{"items": ["x", {"platform": "tiktok"}]}"#, "lamina"),
        // justwords, waldium, bavlio
        (#"{"requests": []}"#, "justwords"),
        (#"{"requests": [{"template_id": "welcome-email"}], "fields": {"brief": "x"}}"#, "justwords"),
        (#"{"schedule": {}, "posts": []}"#, "waldium"),
        (#"{"step_index": 16, "n_leads": 50, "custom_prompt": "<string>"}"#, "bavlio"),
        (#"{"step_index": "x"}"#, "bavlio"),
        (#"{"campaign_id": "c", "step_index": 1}"#, "bavlio"),
        (#"{"step_index": 1, "items": [{"topic": "x"}]}"#, "native"),
        // none
        (#"{"template_id": "x"}"#, nil),
        (#"{"campaign_id": "c"}"#, nil),
        (#"[1]"#, nil),
    ])
    func detection(text: String, format: String?) throws {
        #expect(RequestFormat.detect(try JSONValue.parse(text)) == format)
        #expect(RequestFormat.dialect(for: try JSONValue.parse(text))?.name == format)
    }

    @Test(arguments: ["native", "justwords", "waldium", "lamina", "bavlio"])
    func everyDialectIsFoundByName(name: String) {
        #expect(RequestFormat.dialect(named: name)?.name == name)
        #expect(RequestFormat.unknownFormatMessage.contains(name == "native" ? "native" : name))
    }

    @Test func theItemCapsAreTheDocumentedOnes() {
        #expect(RequestFormat.itemCaps == ["justwords": 20, "bavlio": 200, "lamina": 10, "waldium": 100])
        #expect(RequestFormat.itemCap(of: "native") == nil)
        #expect(JustwordsRequestDecoder.maxRequests == 20)
        #expect(WaldiumRequestDecoder.maxPosts == 100)
        #expect(LaminaRequestDecoder.maxItems == 10)
    }

    /// Every request of the example desk is recognised as the format its name says.
    @Test func theExampleDeskRequestsAreRecognised() throws {
        let inbox = Path.join(Path.parent(Path.parent(Path.parent(#filePath))), "inbox-example/inbox")
        var files: [String] = []
        for entry in try FileSystem.entries(of: inbox) {
            let path = Path.join(inbox, entry.name)
            if entry.kind == .directory {
                for inner in try FileSystem.entries(of: path) { files.append(Path.join(path, inner.name)) }
            } else {
                files.append(path)
            }
        }
        let expected: [String: String?] = [
            "welcome-2026-11-23.json": "native", "journey.json": "justwords", "journey-traced.json": "justwords",
            "posts-campaign.json": "waldium", "launch-eu.json": "native", "sneakers-launch.json": "lamina",
            "spring-launch.bavlio.json": "bavlio", "social-captions.json": "lamina", "renewals.json": "native",
        ]
        var seen = 0
        for file in files where Path.extension(file) == "json" && !file.hasSuffix("broken.json") {
            let name = Path.name(file)
            let document = try JSONFile.read(file, limit: 1 << 20)
            guard let format = expected[name] else {
                Issue.record(
                    "\(name): add it to this test's table (detected as \(String(describing: RequestFormat.detect(document))))"
                )
                continue
            }
            #expect(RequestFormat.detect(document) == format, "\(name)")
            seen += 1
        }
        #expect(seen == expected.count)
    }
}

extension RequestFormatTests {
    @Test(arguments: [("native", false), ("justwords", false), ("waldium", false), ("lamina", true), ("bavlio", true)])
    func acknowledgingFormatsAskForImmediatePublication(name: String, publishes: Bool) throws {
        let dialect = try #require(RequestFormat.dialect(named: name))
        #expect(dialect.publishesImmediateBatches == publishes)
        #expect(dialect.publishes == (name != "justwords"))
    }
}
