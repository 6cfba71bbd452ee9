import DeskKit
import Generation
import Testing

struct OfflineProviderTests {
    let date = Timestamp(iso8601: "2025-01-20T14:00:00Z")!

    @Test func aPostHasFrontMatterAndIsTheSameEveryTime() throws {
        let request = PostRequest(
            topic: "introduction to AI ethics",
            settings: JSONObject(
                [
                    ("authorId", "ann"), ("category", "Technology"), ("tags", ["AI", "Tutorial"] as JSONValue),
                    ("model", "gpt-x"),
                ] as [(String, JSONValue)]), date: date)
        let post = try OfflineProvider().writePost(request)
        #expect(post.title == "Introduction to AI Ethics")
        #expect(post.provider == "offline")
        #expect(
            post.markdown.hasPrefix(
                """
                ---
                title: "Introduction to AI Ethics"
                author: "ann"
                category: "Technology"
                tags: ["AI", "Tutorial"]
                date: 2025-01-20T14:00:00Z
                draft: false
                provider: offline
                requested_model: "gpt-x"
                ---

                # Introduction to AI Ethics

                """))
        #expect(try OfflineProvider().writePost(request) == post)
    }

    @Test(arguments: [("short", 2), ("medium", 3), ("long", 5)])
    func lengthSetsTheNumberOfSections(length: String, sections: Int) throws {
        let post = try OfflineProvider().writePost(
            PostRequest(topic: "Testing", settings: JSONObject([("length", .string(length))]), date: date))
        #expect(post.markdown.components(separatedBy: "\n## ").count - 1 == sections)
    }

    @Test func examplesAudienceAndStyleShapeTheText() throws {
        let plain = try OfflineProvider().writePost(PostRequest(topic: "Testing", date: date))
        let shaped = try OfflineProvider().writePost(
            PostRequest(
                topic: "Testing",
                settings: JSONObject(
                    [("includeExamples", true), ("targetAudience", "new engineers"), ("style", "casual")]
                        as [(String, JSONValue)]),
                date: date))
        #expect(!plain.markdown.contains("## Examples"))
        #expect(shaped.markdown.contains("## Examples"))
        #expect(shaped.markdown.contains("new engineers"))
        #expect(plain.markdown != shaped.markdown)
    }

    @Test func anEmptyTopicFailsTheItem() {
        #expect(throws: DeskError.self) { try OfflineProvider().writePost(PostRequest(topic: "  ", date: date)) }
    }

    @Test func theGeneratorWritesPostItemsThroughTheProvider() async throws {
        let generator = ContentGenerator(templates: TemplateStore(layout: try temporaryLayout()))
        let item = WorkItem(
            index: 0, id: "sched_1", kind: .post, topic: "Caching", fields: JSONObject([("isDraft", true)]))
        // (The blocking `generate` must not run on the cooperative pool, where tests run: it
        // waits for the provider's task, which needs the pool.)
        let outcome = await generator.generateWithProvider(
            item, org: "default", context: PromptContext(), scheduledFor: date)
        #expect(outcome.state == .generated)
        #expect(outcome.format == "markdown")
        #expect(outcome.content?["title"] == "Caching")
        #expect(outcome.content?["markdown"]?.stringValue?.contains("\ndraft: true\n") == true)
    }
}
