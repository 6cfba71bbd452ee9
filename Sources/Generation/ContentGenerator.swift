import DeskKit
import Liquid

/// Produces the content of items.
///
/// Copy items: chooses a variant (``VariantChooser``) and renders its variables, or reuses an
/// identical earlier render (``RenderCache``) when the item allows it. Prompt and post items: the
/// prompt is assembled (``PromptAssembler``) and sent to the provider that serves the item's
/// modality (``ProviderRegistry``).
public struct ContentGenerator: Sendable {
    private let templates: TemplateStore
    /// Chooses variants and records deliveries.
    public let chooser: VariantChooser
    private let cache: RenderCache
    private let clock: any DeskClock
    /// The providers of prompt and post items (the built-in offline one by default).
    public let providers: ProviderRegistry

    /// A generator reading templates from `templates` and choosing with `chooser` (by default one
    /// with no statistics and nothing durable: dry runs), on `clock`.
    public init(
        templates: TemplateStore, chooser: VariantChooser = VariantChooser(), cache: RenderCache = RenderCache(),
        clock: any DeskClock = SystemClock(), providers: ProviderRegistry = .offline
    ) {
        self.providers = providers
        self.templates = templates
        self.chooser = chooser
        self.cache = cache
        self.clock = clock
    }

    /// Generates item `item` of `org`: `generated` with its content, or `failed` with an error.
    ///
    /// A generated item's delivery is recorded with the chooser's store (tracking id → variant,
    /// and the user's sticky assignment); the caller makes it durable (``BanditStore/sync()``).
    /// A post is dated `scheduledFor` (now when `nil`). A provider item blocks the calling
    /// thread until its provider answers: call it from a blocking thread, never from the
    /// cooperative pool (``generate(_:org:context:scheduledFor:onOutcomes:)`` runs many at once).
    public func generate(
        _ item: WorkItem, org: String, scheduledFor: Timestamp? = nil, context: PromptContext = PromptContext()
    ) -> ItemOutcome {
        if item.usesProvider {
            return BlockingWait.run { await self.generateWithProvider(item, org: org, context: context, scheduledFor: scheduledFor) }
        }
        return generateCopy(item, org: org, context: context)
    }

    /// Generates `items` of `org`, provider items concurrently (each provider within its own
    /// limit), and hands outcomes to `onOutcomes` on the calling thread as they arrive, in groups,
    /// so the caller can store them durably before anything else happens to them.
    ///
    /// Blocks the calling thread until every item is done: call it from a blocking thread.
    public func generate(
        _ items: some Collection<WorkItem>, org: String, context: PromptContext,
        scheduledFor: @escaping @Sendable (WorkItem) -> Timestamp? = { _ in nil },
        onOutcomes: ([ItemOutcome]) -> Void
    ) {
        var remote: [WorkItem] = []
        var local: [ItemOutcome] = []
        for item in items {
            if item.usesProvider { remote.append(item) } else { local.append(generateCopy(item, org: org, context: context)) }
        }
        if !local.isEmpty { onOutcomes(local) }
        guard !remote.isEmpty else { return }
        let mailbox = Mailbox<ItemOutcome>()
        let work = remote
        Task.detached {
            await withTaskGroup(of: Void.self) { group in
                for item in work {
                    group.addTask {
                        let outcome = await self.generateWithProvider(
                            item, org: org, context: context, scheduledFor: scheduledFor(item))
                        mailbox.put(outcome)
                    }
                }
            }
        }
        var received = 0
        while received < remote.count {
            let arrived = mailbox.takeAll()
            received += arrived.count
            onOutcomes(arrived)
        }
    }

    /// Generates provider item `item`: assembles its prompt and calls its provider.
    public func generateWithProvider(
        _ item: WorkItem, org: String, context: PromptContext, scheduledFor: Timestamp?
    ) async -> ItemOutcome {
        var outcome = ItemOutcome(
            index: item.index, id: item.id, state: .failed, templateID: item.templateID, trackingID: item.trackingID)
        let post = item.kind == .post
            ? PostRequest(topic: item.topic ?? "", settings: item.fields, date: scheduledFor ?? clock.now()) : nil
        if let post, post.topic.trimmingSpaces().isEmpty {
            outcome.error = DeskError(.invalidItem, "the post has an empty topic", field: "topic")
            return outcome
        }
        let prompt: Prompt
        switch PromptAssembler.prompt(for: item, context: context, post: post) {
        case .success(let p): prompt = p
        case .failure(let error):
            outcome.error = error
            return outcome
        }
        let output: ProviderOutput
        switch await providers.generate(prompt, org: org) {
        case .success(let o): output = o
        case .failure(let error):
            outcome.error = error
            return outcome
        }
        var generation = JSONObject([
            ("provider", .string(output.provider)), ("model", .string(output.model)),
        ])
        if let tokens = output.promptTokens { generation["prompt_tokens"] = .int(tokens) }
        if let tokens = output.completionTokens { generation["completion_tokens"] = .int(tokens) }
        generation["latency_ms"] = .double((output.latencySeconds * 1e6).rounded() / 1e3)
        generation["attempts"] = .int(output.attempts)
        generation["prompt_version_hash"] = .string(prompt.versionHash)
        if let key = item.idempotencyKey { generation["idempotency_key"] = .string(key) }
        outcome.generation = generation
        if let post {
            let text = output.text ?? ""
            // A provider that wrote the whole file (the offline one) keeps it; a model's text
            // becomes the body under copydesk's front matter.
            let title = OfflineProvider.titleCase(post.topic.trimmingSpaces())
            let markdown =
                text.hasPrefix("---\n") ? text : post.frontMatter(title: title, provider: output.provider) + "\n" + text + "\n"
            outcome.content = JSONObject([
                ("title", .string(title)), ("markdown", .string(markdown)), ("provider", .string(output.provider)),
            ])
            outcome.format = "markdown"
        } else if item.modality == "image" {
            var content = JSONObject()
            if let url = output.imageURL { content["image_url"] = .string(url) }
            if let data = output.imageBase64 { content["image_base64"] = .string(data) }
            content["provider"] = .string(output.provider)
            outcome.content = content
        } else {
            outcome.content = JSONObject([("text", .string(output.text ?? "")), ("provider", .string(output.provider))])
        }
        outcome.state = .generated
        return outcome
    }

    /// Renders copy item `item` of `org`; an item that names a brand (tented's `include_brand`)
    /// sees its profile as the Liquid variable `brand`.
    func generateCopy(_ item: WorkItem, org: String, context: PromptContext = PromptContext()) -> ItemOutcome {
        var outcome = ItemOutcome(
            index: item.index, id: item.id, state: .failed, templateID: item.templateID, trackingID: item.trackingID)
        guard let templateID = item.templateID else {
            outcome.error = DeskError(.invalidItem, "the item names no template", field: "template_id")
            return outcome
        }
        let template: CopyTemplate
        switch templates.template(org: org, id: templateID) {
        case .success(let t): template = t
        case .failure(let error):
            outcome.error = error
            return outcome
        }
        let now = clock.now()
        let choice: VariantChooser.Choice
        switch chooser.choose(template, for: item, org: org, now: now) {
        case .success(let c): choice = c
        case .failure(let error):
            outcome.error = error
            return outcome
        }
        let variant = template.variants[choice.index]
        outcome.copyID = variant.id
        var cached = false
        let cacheable = item.options.useCache && !variant.usesItem
        let key = cacheable ? RenderCache.key(org: org, template: template, variant: variant.id, item: item) : ""
        if cacheable, let content = cache.lookup(key, now: clock.uptimeNanoseconds()) {
            outcome.content = content
            cached = true
        } else {
            var variables = Self.variables(for: item)
            if item.brandID != nil, variables["brand"] == nil {
                switch context.brand(for: item) {
                case .success(let profile?): variables["brand"] = Value(json: .object(profile))
                case .success(nil): break
                case .failure(let error):
                    outcome.error = error
                    return outcome
                }
            }
            let options = RenderOptions(loader: templates.partials(org: org))
            var content = JSONObject()
            for (name, liquid) in variant.vars {
                do throws(LiquidError) {
                    content[name] = .string(try liquid.render(variables, options: options))
                } catch {
                    outcome.error = DeskError(.renderError, error.description, field: "vars.\(name)")
                    return outcome
                }
            }
            if cacheable { cache.store(content, key: key, now: clock.uptimeNanoseconds()) }
            outcome.content = content
        }
        if var trace = choice.trace {
            trace["cached"] = .bool(cached)
            outcome.trace = .object(trace)
        }
        chooser.record(choice, of: template, for: item, org: org, at: now)
        outcome.format = template.output
        outcome.state = .generated
        outcome.error = nil
        return outcome
    }

    /// The Liquid variables of an item: its fields (request defaults overlaid with its own), plus
    /// `item` (`id`, `user_id`, `tracking_id`) and `attrs` unless a field of that name exists.
    static func variables(for item: WorkItem) -> ValueObject {
        var variables = ValueObject()
        for (key, value) in item.fields.members { variables[key] = Value(json: value) }
        if variables["item"] == nil {
            var meta = ValueObject()
            if let id = item.id { meta["id"] = .string(id) }
            if let user = item.userID { meta["user_id"] = .string(user) }
            if let tracking = item.trackingID { meta["tracking_id"] = .string(tracking) }
            variables["item"] = .object(meta)
        }
        if variables["attrs"] == nil { variables["attrs"] = Value(json: .object(item.attrs)) }
        return variables
    }
}

extension WorkItem {
    /// Whether the item is written by a provider (prompt and post items) rather than rendered.
    public var usesProvider: Bool { kind == .prompt || kind == .post }
}

extension Value {
    /// The Liquid value of a JSON value; objects keep their key order.
    public init(json: JSONValue) {
        switch json {
        case .null: self = .nil
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(Value.init(json:)))
        case .object(let o): self = .object(ValueObject(o.members.map { ($0.key, Value(json: $0.value)) }))
        }
    }
}
