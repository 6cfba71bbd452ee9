import DeskKit
import Generation
import Testing

struct PromptAssemblerTests {
    static let settings = PromptSettings(
        campaignSystemPrompt: "campaign prompt", senderPrompt: "sender prompt",
        defaults: JSONObject([("tone", .string("warm")), ("length", .string("short"))]))

    @Test(arguments: [
        ("item prompt", "campaign prompt", "sender prompt", "item prompt"),
        (nil, "campaign prompt", "sender prompt", "campaign prompt"),
        (nil, nil, "sender prompt", "sender prompt"),
        ("  ", nil, "sender prompt", "sender prompt"),
        (nil, nil, nil, PromptAssembler.defaultSystemPrompt),
    ] as [(String?, String?, String?, String)])
    func theSystemPromptResolvesItemCampaignSenderDefault(item: String?, campaign: String?, sender: String?, expected: String) {
        let settings = PromptSettings(campaignSystemPrompt: campaign, senderPrompt: sender)
        let workItem = WorkItem(index: 0, kind: .prompt, topic: "t", customPrompt: item)
        #expect(PromptAssembler.systemPrompt(for: workItem, settings: settings) == expected)
    }

    @Test func theUserMessageHasBrandDefaultsInputInstructionsThenTopicInThatOrder() throws {
        var context = PromptContext(settings: Self.settings)
        context.brands["default"] = JSONObject([("name", .string("Acme")), ("voice", .string("plain"))])
        let item = WorkItem(
            index: 0, kind: .prompt, topic: "Spring launch", instructions: "mention the discount",
            fields: JSONObject([("product", .string("Desk")), ("tone", .string("bold"))]))
        let prompt = try PromptAssembler.prompt(for: item, context: context).get()
        #expect(prompt.system == "campaign prompt")
        let order = ["Brand:", "- name: Acme", "Writing guidelines:", "- tone: bold", "- length: short", "Input data:",
            "- product: Desk", "Instructions:", "mention the discount", "Topic:", "Spring launch"]
        var position = prompt.user.startIndex
        for part in order {
            let found = try #require(prompt.user.range(of: part, range: position..<prompt.user.endIndex), "\(part)")
            position = found.upperBound
        }
        #expect(prompt.parts.defaults["tone"] == .string("bold"), "an item's own field overrides the default")
        #expect(prompt.parts.input["tone"] == nil, "writing settings are not input data")
    }

    @Test func theVersionHashFollowsThePromptTemplateNotTheItemsData() throws {
        let context = PromptContext(settings: Self.settings)
        func hash(_ item: WorkItem, _ context: PromptContext) throws -> String {
            try PromptAssembler.prompt(for: item, context: context).get().versionHash
        }
        let a = WorkItem(index: 0, kind: .prompt, topic: "one", fields: JSONObject([("x", .int(1))]))
        let b = WorkItem(index: 1, kind: .prompt, topic: "two", instructions: "other")
        #expect(try hash(a, context) == hash(b, context))
        #expect(try hash(a, context).count == 16)
        var changed = context
        changed.settings.campaignSystemPrompt = "another campaign prompt"
        #expect(try hash(a, context) != hash(a, changed))
        var custom = a
        custom.customPrompt = "mine"
        #expect(try hash(a, context) != hash(custom, context))
        var branded = context
        branded.brands["default"] = JSONObject([("name", .string("Acme"))])
        #expect(try hash(a, context) != hash(a, branded))
    }

    @Test func aNamedBrandThatDoesNotExistFailsTheItemNotFound() throws {
        let layout = try temporaryLayout()
        try FileSystem.createDirectory(layout.brands(org: "acme"))
        try AtomicFile.write(Array(#"{"name": "Acme"}"#.utf8), to: layout.brands(org: "acme") + "/default.json")
        let request = BatchRequest(
            format: "native",
            items: [
                WorkItem(index: 0, kind: .prompt, topic: "a"),
                WorkItem(index: 1, kind: .prompt, topic: "b", brandID: "missing"),
                WorkItem(index: 2, kind: .prompt, topic: "c", brandID: "../etc"),
            ])
        let context = PromptContext.resolve(request, org: "acme", layout: layout)
        let first = try PromptAssembler.prompt(for: request.items[0], context: context).get()
        #expect(first.parts.brand?["name"] == .string("Acme"), "the org's default brand, read once")
        let missing = #expect(throws: DeskError.self) { try PromptAssembler.prompt(for: request.items[1], context: context).get() }
        #expect(missing?.code == .notFound)
        let unsafe = #expect(throws: DeskError.self) { try PromptAssembler.prompt(for: request.items[2], context: context).get() }
        #expect(unsafe?.code == .invalidItem)
        // Without a default brand, nothing is required.
        let bare = PromptContext.resolve(request, org: "other", layout: layout)
        #expect(try PromptAssembler.prompt(for: request.items[0], context: bare).get().parts.brand == nil)
    }
}
