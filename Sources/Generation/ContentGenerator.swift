import DeskKit
import Liquid

/// Produces the content of copy items: chooses a variant (``VariantChooser``) and renders its
/// variables, or reuses an identical earlier render (``RenderCache``) when the item allows it.
/// Post items (a topic and post settings) are written by the ``TextProvider``.
public struct ContentGenerator: Sendable {
    private let templates: TemplateStore
    /// Chooses variants and records deliveries.
    public let chooser: VariantChooser
    private let cache: RenderCache
    private let clock: any DeskClock
    /// Writes post items (the built-in ``OfflineProvider`` by default).
    public let provider: any TextProvider

    /// A generator reading templates from `templates` and choosing with `chooser` (by default one
    /// with no statistics and nothing durable: dry runs), on `clock`.
    public init(
        templates: TemplateStore, chooser: VariantChooser = VariantChooser(), cache: RenderCache = RenderCache(),
        clock: any DeskClock = SystemClock(), provider: any TextProvider = OfflineProvider()
    ) {
        self.provider = provider
        self.templates = templates
        self.chooser = chooser
        self.cache = cache
        self.clock = clock
    }

    /// Generates item `item` of `org`: `generated` with its content, or `failed` with an error.
    ///
    /// A generated item's delivery is recorded with the chooser's store (tracking id → variant,
    /// and the user's sticky assignment); the caller makes it durable (``BanditStore/sync()``).
    /// A post is dated `scheduledFor` (now when `nil`).
    public func generate(_ item: WorkItem, org: String, scheduledFor: Timestamp? = nil) -> ItemOutcome {
        var outcome = ItemOutcome(
            index: item.index, id: item.id, state: .failed, templateID: item.templateID, trackingID: item.trackingID)
        if item.kind == .post {
            do throws(DeskError) {
                let post = try provider.writePost(
                    PostRequest(topic: item.topic ?? "", settings: item.fields, date: scheduledFor ?? clock.now()))
                outcome.content = JSONObject([
                    ("title", .string(post.title)), ("markdown", .string(post.markdown)),
                    ("provider", .string(post.provider)),
                ])
                outcome.format = "markdown"
                outcome.state = .generated
            } catch {
                outcome.error = error
            }
            return outcome
        }
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
            let variables = Self.variables(for: item)
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
