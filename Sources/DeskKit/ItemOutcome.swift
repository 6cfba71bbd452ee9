/// What became of one item: its state, and its content or its error.
public struct ItemOutcome: Sendable, Equatable {
    /// The item's position in the request, from 0.
    public var index: Int
    /// The client's id for the item.
    public var id: String?
    /// Where the item stands.
    public var state: ItemState
    /// The template used.
    public var templateID: String?
    /// The variant used.
    public var copyID: String?
    /// The client's tracking id, echoed.
    public var trackingID: String?
    /// The generated content: each template variable rendered (copy items).
    public var content: JSONObject?
    /// Why the item was rejected or failed.
    public var error: DeskError?
    /// How the variant was chosen, when the request asked for a trace.
    public var trace: JSONValue?
    /// What the content is published as: `markdown` (a post's `markdown`), `html` (a page's
    /// `html`), or `nil` for the content object as JSON.
    public var format: String?
    /// How a provider made the content: `provider`, `model`, `prompt_tokens`,
    /// `completion_tokens`, `latency_ms`, `attempts`, `prompt_version_hash` (provider items).
    public var generation: JSONObject?
    /// Where a published page is, relative to the desk root (`outbox/<org>/published/site/<alias>/index.html`).
    public var published: String? {
        get { page?.published }
        set { page = PublishedPage.make(published: newValue, url: url) }
    }
    /// The page's public URL (`base_url` + its alias), when the desk has a `base_url`.
    public var url: String? {
        get { page?.url }
        set { page = PublishedPage.make(published: published, url: newValue) }
    }
    /// ``published`` and ``url``, behind one pointer: only page items have them, and inline they
    /// made every outcome 32 bytes larger (280 instead of 248).
    private var page: PublishedPage?

    /// An outcome for item `index`.
    public init(
        index: Int, id: String? = nil, state: ItemState, templateID: String? = nil, copyID: String? = nil,
        trackingID: String? = nil, content: JSONObject? = nil, error: DeskError? = nil, trace: JSONValue? = nil,
        format: String? = nil, generation: JSONObject? = nil
    ) {
        self.generation = generation
        self.format = format
        self.index = index
        self.id = id
        self.state = state
        self.templateID = templateID
        self.copyID = copyID
        self.trackingID = trackingID
        self.content = content
        self.error = error
        self.trace = trace
    }

    /// The outcome as stored in a batch's item journal and written in a native result.
    public var json: JSONValue {
        var o = JSONObject()
        o["index"] = .int(index)
        if let id { o["id"] = .string(id) }
        o["status"] = .string(state.rawValue)
        if let templateID { o["template_id"] = .string(templateID) }
        if let copyID { o["copy_id"] = .string(copyID) }
        if let trackingID { o["tracking_id"] = .string(trackingID) }
        if let content { o["content"] = .object(content) }
        if let error { o["error"] = error.json }
        if let trace { o["trace"] = trace }
        if let format { o["format"] = .string(format) }
        if let generation { o["generation"] = .object(generation) }
        if let published { o["published"] = .string(published) }
        if let url { o["url"] = .string(url) }
        return .object(o)
    }

    /// Reads an outcome back from its ``json`` form; `nil` if it is not one.
    public init?(json: JSONValue) {
        guard let index = json["index"]?.intValue, let raw = json["status"]?.stringValue,
            let state = ItemState(rawValue: raw)
        else { return nil }
        self.init(
            index: index, id: json["id"]?.stringValue, state: state, templateID: json["template_id"]?.stringValue,
            copyID: json["copy_id"]?.stringValue, trackingID: json["tracking_id"]?.stringValue,
            content: json["content"]?.objectValue, error: json["error"].flatMap(DeskError.init(json:)), trace: json["trace"],
            format: json["format"]?.stringValue, generation: json["generation"]?.objectValue)
        published = json["published"]?.stringValue
        url = json["url"]?.stringValue
    }
}

/// A published page's ``ItemOutcome/published`` and ``ItemOutcome/url``, boxed. Immutable:
/// copies of an outcome share it, and setting either puts a new box in the outcome.
private final class PublishedPage: Sendable, Equatable {
    let published: String?
    let url: String?

    private init(published: String?, url: String?) {
        self.published = published
        self.url = url
    }

    /// A box of `published` and `url`; `nil` when both are (so equal outcomes compare equal).
    static func make(published: String?, url: String?) -> PublishedPage? {
        published == nil && url == nil ? nil : PublishedPage(published: published, url: url)
    }

    static func == (a: PublishedPage, b: PublishedPage) -> Bool {
        a === b || (a.published == b.published && a.url == b.url)
    }
}
