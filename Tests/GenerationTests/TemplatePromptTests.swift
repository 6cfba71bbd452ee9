import DeskKit
import Foundation
import Testing

@testable import Generation

/// Runs the generator's blocking batch call on a thread of its own (never on the cooperative
/// pool) and returns the outcomes in item order.
func generateOnThread(
    _ generator: ContentGenerator, _ items: [WorkItem], org: String = "default", context: PromptContext = PromptContext()
) async -> [ItemOutcome] {
    await withCheckedContinuation { (continuation: CheckedContinuation<[ItemOutcome], Never>) in
        Thread {
            var all: [ItemOutcome] = []
            generator.generate(items, org: org, context: context) { all += $0 }
            continuation.resume(returning: all.sorted { $0.index < $1.index })
        }.start()
    }
}

/// The object of a JSON object literal.
func object(_ value: JSONValue) -> JSONObject { value.objectValue ?? JSONObject() }

/// An openai provider in front of `server`, for the generator.
func registry(for server: FaultServer, concurrency: Int = 4) throws -> ProviderRegistry {
    var settings = ProviderSettings(name: "local", kind: .openai)
    settings.baseURL = server.baseURL
    settings.model = "smol"
    settings.concurrency = concurrency
    return try ProviderRegistry(settings: [settings], environment: [:])
}

/// Templates whose `prompt {system, user}` section a provider writes items from.
struct TemplatePromptTests {
    @Test(arguments: [
        (#"{"prompt": "write"}"#, "prompt must be an object"),
        (#"{"prompt": {"system": "s"}}"#, "prompt.user must be a non-empty string"),
        (#"{"prompt": {"user": "u", "model": "x"}}"#, "prompt.model is not a prompt member"),
        (#"{"prompt": {"user": "{% if %}"}}"#, "prompt.user"),
        (#"{"prompt": {"user": "u", "system": 3}}"#, "prompt.system must be a string"),
        (#"{"output": "pdf", "prompt": {"user": "u"}}"#, "or \"text\""),
        (#"{}"#, "no \"variants\" array (or \"prompt\" section)"),
    ])
    func aBrokenPromptSectionIsAnInvalidTemplate(json: String, message: String) throws {
        let error = #expect(throws: DeskError.self) { try CopyTemplate(json: try JSONValue.parse(Array(json.utf8)), id: "t") }
        #expect(error?.code == .invalidTemplate)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test func aPromptOnlyTemplateIsWrittenByTheProviderFromItsRenderedMessages() async throws {
        let server = try FaultServer { _, _ in .chat("# Renewal\n\nDear Jane, <renew> today.") }
        defer { server.stop() }
        let layout = try temporaryLayout()
        try FileSystem.createDirectory(layout.templates(org: "default"))
        try AtomicFile.write(
            Array(
                #"""
                {"id": "renewal", "approved": true, "output": "html",
                 "prompt": {"system": "You write for {{ brand.name }}.",
                            "user": "Write a renewal note for {{ first_name }} on the {{ plan | upcase }} plan."}}
                """#.utf8), to: layout.templates(org: "default") + "/renewal.json")
        let generator = ContentGenerator(templates: TemplateStore(layout: layout), providers: try registry(for: server))
        #expect(generator.writesWithProvider(WorkItem(index: 0, templateID: "renewal"), org: "default"))
        let items = [
            WorkItem(index: 0, templateID: "renewal", fields: object(["first_name": "Jane", "plan": "pro"])),
            WorkItem(index: 1, templateID: "renewal", fields: object(["first_name": "Omar", "plan": "team"])),
        ]
        var context = PromptContext()
        context.brands["default"] = object(["name": "Acme Outdoor"])
        let outcomes = await generateOnThread(generator, items, context: context)

        #expect(outcomes.map(\.state) == [.generated, .generated])
        let messages = server.requests.compactMap { $0.json?["messages"]?.arrayValue }
        #expect(messages.count == 2)
        let users = messages.compactMap { $0.last?["content"]?.stringValue }.sorted()
        #expect(users[0].contains("Task:\nWrite a renewal note for Jane on the PRO plan."))
        #expect(users[1].contains("Task:\nWrite a renewal note for Omar on the TEAM plan."))
        #expect(messages.allSatisfy { $0.first?["content"] == "You write for Acme Outdoor." })
        // An html template's items are pages: the model's Markdown becomes escaped HTML.
        let html = outcomes[0].content?["html"]?.stringValue ?? ""
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<h1>Renewal</h1>"))
        #expect(html.contains("&lt;renew&gt;"))
        #expect(outcomes[0].format == "html")
        // Both items share the prompt template, so they share its version hash.
        let hashes = Set(outcomes.compactMap { $0.generation?["prompt_version_hash"]?.stringValue })
        #expect(hashes.count == 1)
    }

    @Test func theVersionHashFollowsTheTemplatesPromptSourceNotTheItemsData() throws {
        func hash(_ user: String, name: String) throws -> String {
            let section = try PromptSection(json: ["user": .string(user)], template: "t")
            let source = ["t", section.userSource].joined(separator: "\u{0}")
            let prompt = try PromptAssembler.prompt(
                for: WorkItem(index: 0, fields: object(["name": .string(name)])), context: PromptContext(),
                template: TemplatePrompt(system: nil, user: user.replacing("{{ name }}", with: name), source: source, output: nil)
            ).get()
            return prompt.versionHash
        }
        #expect(try hash("Hello {{ name }}", name: "Jane") == hash("Hello {{ name }}", name: "Omar"))
        #expect(try hash("Hello {{ name }}", name: "Jane") != hash("Hi {{ name }}", name: "Jane"))
    }

    @Test func aTemplateWithVariantsAndAPromptUsesThePromptOnlyForItemsWithATopic() throws {
        let json = try JSONValue.parse(
            Array(
                #"{"approved": true, "variants": [{"id": "a", "vars": {"t": "x"}}], "prompt": {"user": "About {{ topic }}"}}"#
                    .utf8))
        let template = try CopyTemplate(json: json, id: "both")
        #expect(!template.usesPrompt(for: WorkItem(index: 0, templateID: "both")))
        #expect(template.usesPrompt(for: WorkItem(index: 0, templateID: "both", topic: "tea")))
    }

    @Test func theOfflineProviderWritesAPromptTemplatesItemFromItsTask() async throws {
        let layout = try temporaryLayout()
        try FileSystem.createDirectory(layout.templates(org: "default"))
        try AtomicFile.write(
            Array(#"{"approved": true, "output": "markdown", "prompt": {"user": "Thank {{ name }} for the order"}}"#.utf8),
            to: layout.templates(org: "default") + "/thanks.json")
        let generator = ContentGenerator(templates: TemplateStore(layout: layout))
        let outcomes = await generateOnThread(generator, [WorkItem(index: 0, templateID: "thanks", fields: object(["name": "Jane"]))])
        let markdown = outcomes.first?.content?["markdown"]?.stringValue ?? ""
        #expect(outcomes.first?.state == .generated)
        #expect(markdown.hasPrefix("# Thank Jane for the Order"))
        #expect(markdown.contains("## Task\n\nThank Jane for the order"))
        #expect(outcomes.first?.content?["provider"] == "offline")
    }
}

/// Outputs stored under an idempotency key: a second worker with the same key is a no-op.
struct OutputIndexTests {
    func bavlioItem(_ index: Int, lead: String) -> WorkItem {
        WorkItem(
            index: index, id: lead, kind: .prompt, topic: "Step 2 for \(lead)",
            idempotencyKey: "spring-launch/\(lead)/6f1c2d3e-0000-4000-8000-000000000001")
    }

    @Test func aSecondWorkerWithTheSameKeysCallsNoProviderAndReportsTheSameOutputs() async throws {
        let server = try FaultServer { index, _ in .chat("Draft number \(index).") }
        defer { server.stop() }
        let layout = try temporaryLayout()
        func worker() throws -> ContentGenerator {
            ContentGenerator(
                templates: TemplateStore(layout: layout), providers: try registry(for: server),
                outputs: OutputIndex(layout: layout))
        }
        let items = [bavlioItem(0, lead: "lead-1"), bavlioItem(1, lead: "lead-2")]
        let first = await generateOnThread(try worker(), items)
        #expect(server.requests.count == 2)
        let second = await generateOnThread(try worker(), items)
        #expect(server.requests.count == 2)  // no new call
        #expect(second.map { $0.content?["text"] } == first.map { $0.content?["text"] })
        #expect(second.allSatisfy { $0.generation?["reused"] == true })
        #expect(first.allSatisfy { $0.generation?["reused"] == nil })
        let key = first[0].generation?["idempotency_key"]?.stringValue ?? ""
        #expect(key.hasPrefix("spring-launch/lead-1/6f1c2d3e-0000-4000-8000-000000000001/"))
        #expect(key.hasSuffix(first[0].generation?["prompt_version_hash"]?.stringValue ?? "-"))
        // Another prompt (a new custom prompt) is another tuple: it is generated anew.
        var changed = items[0]
        changed.customPrompt = "Be brief."
        _ = await generateOnThread(try worker(), [changed])
        #expect(server.requests.count == 3)
    }

    @Test func twoWorkersRacingOnOneKeyBothReportTheOutputStoredFirst() async throws {
        let server = try FaultServer { index, _ in .chat("Draft number \(index).") }
        defer { server.stop() }
        server.holdUntil(2)  // both calls are in flight at once: a real race
        let layout = try temporaryLayout()
        let workers = try (0..<2).map { _ in
            ContentGenerator(
                templates: TemplateStore(layout: layout), providers: try registry(for: server),
                outputs: OutputIndex(layout: layout))
        }
        let item = bavlioItem(0, lead: "lead-1")
        async let a = generateOnThread(workers[0], [item])
        async let b = generateOnThread(workers[1], [item])
        let (one, two) = await (a, b)
        #expect(server.requests.count == 2)
        #expect(one[0].content?["text"] == two[0].content?["text"])
        let stored = try FileSystem.entries(of: layout.outputs(org: "default")).filter { !$0.name.hasPrefix(".") }
        #expect(stored.count == 1)
    }

    @Test func itemsWithoutAKeyAreNeverStored() async throws {
        let layout = try temporaryLayout()
        let generator = ContentGenerator(templates: TemplateStore(layout: layout), outputs: OutputIndex(layout: layout))
        let outcomes = await generateOnThread(generator, [WorkItem(index: 0, kind: .prompt, topic: "tea")])
        #expect(outcomes.first?.state == .generated)
        #expect(!FileSystem.exists(layout.outputs(org: "default")))
    }
}
