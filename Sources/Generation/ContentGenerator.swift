import DeskKit
import Liquid

/// Produces the content of items.
///
/// Copy items: chooses a variant (``VariantChooser``) and renders its variables, or reuses an
/// identical earlier render (``RenderCache``) when the item allows it. Prompt and post items, and
/// items of a template with a prompt section (``CopyTemplate/usesPrompt(for:)``): the prompt is
/// assembled (``PromptAssembler``) and sent to the provider that serves the item's modality
/// (``ProviderRegistry``); an output with an idempotency key is stored once (``OutputIndex``).
public struct ContentGenerator: Sendable {
    private let templates: TemplateStore
    /// Chooses variants and records deliveries.
    public let chooser: VariantChooser
    private let cache: RenderCache
    private let clock: any DeskClock
    /// The providers of prompt and post items (the built-in offline one by default).
    public let providers: ProviderRegistry
    /// Where outputs with an idempotency key are stored once (`nil`: nowhere, in dry runs).
    public let outputs: OutputIndex?
    /// The most bytes one render produces (each variable of a variant, each part of a prompt
    /// section): `limits.max_output_bytes`.
    public let maxOutputBytes: Int

    /// A generator reading templates from `templates` and choosing with `chooser` (by default one
    /// with no statistics and nothing durable: dry runs), on `clock`.
    public init(
        templates: TemplateStore, chooser: VariantChooser = VariantChooser(), cache: RenderCache = RenderCache(),
        clock: any DeskClock = SystemClock(), providers: ProviderRegistry = .offline, outputs: OutputIndex? = nil,
        maxOutputBytes: Int = DeskConfiguration().maxOutputBytes
    ) {
        self.maxOutputBytes = maxOutputBytes
        self.providers = providers
        self.outputs = outputs
        self.templates = templates
        self.chooser = chooser
        self.cache = cache
        self.clock = clock
    }

    /// How a template of `org` is rendered: its partials, and the output limit.
    func renderOptions(org: String) -> RenderOptions {
        RenderOptions(loader: templates.partials(org: org), maxOutputBytes: maxOutputBytes)
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
        var result: ItemOutcome?
        generate(CollectionOfOne(item), org: org, context: context, scheduledFor: { _ in scheduledFor }) {
            result = $0.first
        }
        return result ?? ItemOutcome(index: item.index, id: item.id, state: .failed)
    }

    /// Generates `items` of `org`, provider items concurrently (each provider within its own
    /// limit), and hands outcomes to `onOutcomes` on the calling thread as they arrive, in groups,
    /// so the caller can store them durably before anything else happens to them.
    ///
    /// An item with an idempotency key whose output is already stored (``OutputIndex``) reuses
    /// it without calling its provider; a new output is stored under its key before it is handed
    /// over. Blocks the calling thread until every item is done: call it from a blocking thread.
    public func generate(
        _ items: some Collection<WorkItem>, org: String, context: PromptContext,
        scheduledFor: @escaping @Sendable (WorkItem) -> Timestamp? = { _ in nil },
        onOutcomes: ([ItemOutcome]) -> Void
    ) {
        var remote: [ProviderJob] = []
        var local: [ItemOutcome] = []
        for item in items {
            switch plan(item, org: org, context: context, scheduledFor: scheduledFor(item)) {
            case .done(let outcome): local.append(outcome)
            case .provider(let job): remote.append(job)
            }
        }
        if !local.isEmpty { onOutcomes(local) }
        guard !remote.isEmpty else { return }
        let mailbox = Mailbox<ItemOutcome>()
        let work = remote
        Task.detached {
            await withTaskGroup(of: Void.self) { group in
                for job in work {
                    group.addTask {
                        mailbox.put(await self.generateWithProvider(job, org: org, context: context))
                    }
                }
            }
        }
        let keys = Dictionary(remote.compactMap { job in job.key.map { (job.item.index, $0) } }) { a, _ in a }
        var received = 0
        while received < remote.count {
            var arrived = mailbox.takeAll()
            received += arrived.count
            if let outputs, !keys.isEmpty {
                for i in arrived.indices where arrived[i].state == .generated {
                    guard let key = keys[arrived[i].index] else { continue }
                    // If storing fails (a full disk), the caller's own journal write fails the same way.
                    if let kept = try? outputs.store(arrived[i], org: org, key: key, at: clock.now()) { arrived[i] = kept }
                }
            }
            onOutcomes(arrived)
        }
    }

    /// A provider item ready to go: its prompt's template part and its idempotency key.
    struct ProviderJob: Sendable {
        var item: WorkItem
        var template: TemplatePrompt?
        var scheduledFor: Timestamp?
        /// The item's key with the prompt version hash (bavlio's idempotency tuple), when the
        /// item has one.
        var key: String?
        /// The prompt, when it was assembled already (to make the key).
        var prompt: Prompt?
    }

    /// What to do with an item: it is done here (a render, a failure, a stored output), or it
    /// goes to a provider.
    enum Plan {
        case done(ItemOutcome)
        case provider(ProviderJob)
    }

    /// Whether a provider writes `item`: a prompt or post item, or an item of a template with a
    /// prompt section that applies to it (``CopyTemplate/usesPrompt(for:)``).
    public func writesWithProvider(_ item: WorkItem, org: String) -> Bool {
        if item.usesProvider { return true }
        guard let id = item.templateID, case .success(let template) = templates.template(org: org, id: id) else {
            return false
        }
        return template.usesPrompt(for: item)
    }

    /// Decides how `item` is made; renders copy items at once. Runs on the calling thread.
    func plan(_ item: WorkItem, org: String, context: PromptContext, scheduledFor: Timestamp?) -> Plan {
        var job = ProviderJob(item: item, scheduledFor: scheduledFor)
        if !item.usesProvider {
            // The template is looked up once, here, and handed to the render (a lookup costs a
            // `stat(2)` and a lock: twice per row of a large export otherwise).
            guard let templateID = item.templateID else { return .done(generateCopy(item, org: org, context: context)) }
            let template: CopyTemplate
            switch templates.template(org: org, id: templateID) {
            case .success(let t): template = t
            case .failure(let error): return .done(failure(item, error))
            }
            guard template.usesPrompt(for: item) else {
                return .done(renderCopy(item, of: template, org: org, context: context))
            }
            switch renderPrompt(of: template, for: item, org: org, context: context) {
            case .success(let rendered): job.template = rendered
            case .failure(let error): return .done(failure(item, error))
            }
        }
        if let base = item.idempotencyKey, let outputs {
            guard case .success(let prompt) = assemble(job, context: context) else { return .provider(job) }
            let key = base + "/" + prompt.versionHash
            if let stored = outputs.lookup(org: org, key: key, for: item) { return .done(stored) }
            job.key = key
            job.prompt = prompt
        }
        return .provider(job)
    }

    /// Renders `template`'s prompt section with `item`'s variables (its fields, `item`, `attrs`,
    /// and `topic`, `instructions` and `brand` unless fields of those names exist).
    func renderPrompt(
        of template: CopyTemplate, for item: WorkItem, org: String, context: PromptContext
    ) -> Result<TemplatePrompt, DeskError> {
        guard let section = template.prompt else {
            return .failure(DeskError(.invalidTemplate, "template '\(template.id)' has no prompt section", field: "prompt"))
        }
        do throws(DeskError) {
            var variables = try Self.variables(for: item, brand: context, namedOnly: false).get()
            if variables["topic"] == nil, let topic = item.topic { variables["topic"] = .string(topic) }
            if variables["instructions"] == nil, let text = item.instructions {
                variables["instructions"] = .string(text)
            }
            let (system, user) = try section.render(variables, options: renderOptions(org: org))
            // The sources, not the file's revision: touching the file changes no prompt.
            let source = [template.id, section.systemSource ?? "", section.userSource, template.output ?? ""]
                .joined(separator: "\u{0}")
            return .success(TemplatePrompt(system: system, user: user, source: source, output: template.output))
        } catch {
            return .failure(error)
        }
    }

    /// The prompt of `job`, or the error its item fails with.
    private func assemble(_ job: ProviderJob, context: PromptContext) -> Result<Prompt, DeskError> {
        let item = job.item
        if item.kind == .post {
            let post = PostRequest(topic: item.topic ?? "", settings: item.fields, date: job.scheduledFor ?? clock.now())
            if post.topic.trimmingSpaces().isEmpty {
                return .failure(DeskError(.invalidItem, "the post has an empty topic", field: "topic"))
            }
            return PromptAssembler.prompt(for: item, context: context, post: post)
        }
        return PromptAssembler.prompt(for: item, context: context, template: job.template)
    }

    private func failure(_ item: WorkItem, _ error: DeskError) -> ItemOutcome {
        ItemOutcome(
            index: item.index, id: item.id, state: .failed, templateID: item.templateID, trackingID: item.trackingID,
            error: error)
    }

    /// Generates provider item `item` (a prompt or post item) from the request's prompt parts.
    public func generateWithProvider(
        _ item: WorkItem, org: String, context: PromptContext, scheduledFor: Timestamp?
    ) async -> ItemOutcome {
        await generateWithProvider(ProviderJob(item: item, scheduledFor: scheduledFor), org: org, context: context)
    }

    /// Generates the item of `job`: assembles its prompt and calls its provider.
    func generateWithProvider(_ job: ProviderJob, org: String, context: PromptContext) async -> ItemOutcome {
        let item = job.item
        var outcome = ItemOutcome(
            index: item.index, id: item.id, state: .failed, templateID: item.templateID, trackingID: item.trackingID)
        let prompt: Prompt
        switch job.prompt.map({ .success($0) }) ?? assemble(job, context: context) {
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
        if let key = job.key ?? item.idempotencyKey { generation["idempotency_key"] = .string(key) }
        outcome.generation = generation
        let text = output.text ?? ""
        if let post = prompt.parts.post {
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
        } else if let kind = job.template?.output {
            // A template's prompt section says what its items are: an HTML page or Markdown.
            let body = kind == "html" ? HTMLPage.document(from: text) : text
            outcome.content = JSONObject([(kind, .string(body)), ("provider", .string(output.provider))])
            outcome.format = kind
        } else {
            outcome.content = JSONObject([("text", .string(text)), ("provider", .string(output.provider))])
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
        switch templates.template(org: org, id: templateID) {
        case .success(let template): return renderCopy(item, of: template, org: org, context: context)
        case .failure(let error):
            outcome.error = error
            return outcome
        }
    }

    /// Renders copy item `item` of `org` with `template`, already looked up.
    func renderCopy(_ item: WorkItem, of template: CopyTemplate, org: String, context: PromptContext) -> ItemOutcome {
        var outcome = ItemOutcome(
            index: item.index, id: item.id, state: .failed, templateID: item.templateID, trackingID: item.trackingID)
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
            let variables: ValueObject
            switch Self.variables(for: item, brand: context, namedOnly: true) {
            case .success(let v): variables = v
            case .failure(let error):
                outcome.error = error
                return outcome
            }
            let options = renderOptions(org: org)
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

    /// ``variables(for:)`` plus `brand`, the item's brand profile from `context` (unless a field
    /// of that name exists): for copy only when the item names a brand (`namedOnly`), for a
    /// prompt section the batch's or the org's default too. Fails with the brand's error.
    static func variables(for item: WorkItem, brand context: PromptContext, namedOnly: Bool) -> Result<
        ValueObject, DeskError
    > {
        var variables = variables(for: item)
        guard variables["brand"] == nil, !namedOnly || item.brandID != nil else { return .success(variables) }
        switch context.brand(for: item) {
        case .success(let profile?): variables["brand"] = Value(json: .object(profile))
        case .success(nil): break
        case .failure(let error): return .failure(error)
        }
        return .success(variables)
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
