/// One unit of content a request asks for, decoded from any request format.
///
/// An item is either admitted (``rejection`` is `nil`) or rejected on its own, which lets a batch
/// succeed in part.
public struct WorkItem: Sendable, Equatable {
    /// What kind of content the item asks for.
    public enum Kind: String, Sendable {
        /// Render a template's copy variant.
        case copy
        /// Generate content through a provider from a topic, brief or a template's prompt section.
        case prompt
        /// Write a blog post (Markdown with front matter) from a topic and the post settings in
        /// ``WorkItem/fields`` (author, category, tags, style, length, tone, …).
        case post
    }

    /// The item's position in the request, from 0.
    public var index: Int
    /// The id the client gave the item, if any.
    public var id: String?
    /// What the item asks for.
    public var kind: Kind
    /// Whether the item stops at `generated` even when its batch publishes (a draft post).
    /// (Declared beside ``kind`` so the two one-byte fields share one word of the item.)
    public var draft: Bool
    /// The template to render (copy items) or whose prompt to use.
    public var templateID: String?
    /// A variant that must be used instead of choosing one.
    public var copyID: String?
    /// The recipient, for sticky variant choice.
    public var userID: String?
    /// The id under which the delivered content is tracked.
    public var trackingID: String?
    /// The targeting bucket.
    public var bucket: String?
    /// The topic of a prompt item.
    public var topic: String?
    /// Extra instructions for a prompt item.
    public var instructions: String?
    /// The template variables: the request's defaults overlaid with the item's own fields.
    public var fields: JSONObject
    /// Targeting attributes: the request's defaults overlaid with the item's own.
    public var attrs: JSONObject
    /// How the variant is chosen and reported (window, epsilon, cache, trace).
    public var options: ChoiceOptions
    /// Why the item was rejected at admission, or `nil` when it was admitted.
    public var rejection: DeskError?
    /// What a provider item produces: `text` (the default), `image`, `video`, … An item whose
    /// modality no provider serves for its org is rejected `UNSUPPORTED_MODALITY`.
    public var modality: String
    /// The item's own system prompt, first in the resolution chain (``PromptSettings``).
    public var customPrompt: String?
    /// The brand profile of this item, overriding the batch's.
    public var brandID: String?
    /// The campaign of this item, overriding the batch's.
    public var campaignID: String?
    /// The key under which the item's output is stored once: a second worker with the same key
    /// reuses it instead of calling the provider again (bavlio's idempotency tuple).
    public var idempotencyKey: String?
    /// What a page item asks for (tented): its name, alias and assets; `nil` for other items.
    public var page: PageRequest? {
        get { pageBox?.request }
        set { pageBox = newValue.map(PageBox.init) }
    }
    /// ``page``, behind one pointer: inline it made every item 64 bytes larger (472 instead of
    /// 408), about 8 MiB more for a 100,000-row export, although only page items have one.
    private var pageBox: PageBox?

    /// An item at `index`; everything else defaults to empty.
    public init(
        index: Int, id: String? = nil, kind: Kind = .copy, templateID: String? = nil, copyID: String? = nil,
        userID: String? = nil, trackingID: String? = nil, bucket: String? = nil, topic: String? = nil,
        instructions: String? = nil, fields: JSONObject = JSONObject(), attrs: JSONObject = JSONObject(),
        options: ChoiceOptions = ChoiceOptions(), rejection: DeskError? = nil, draft: Bool = false,
        modality: String = "text", customPrompt: String? = nil, brandID: String? = nil, campaignID: String? = nil,
        idempotencyKey: String? = nil, page: PageRequest? = nil
    ) {
        self.pageBox = page.map(PageBox.init)
        self.modality = modality
        self.customPrompt = customPrompt
        self.brandID = brandID
        self.campaignID = campaignID
        self.idempotencyKey = idempotencyKey
        self.draft = draft
        self.index = index
        self.id = id
        self.kind = kind
        self.templateID = templateID
        self.copyID = copyID
        self.userID = userID
        self.trackingID = trackingID
        self.bucket = bucket
        self.topic = topic
        self.instructions = instructions
        self.fields = fields
        self.attrs = attrs
        self.options = options
        self.rejection = rejection
    }
}

/// An item's ``WorkItem/page``, boxed. Immutable: copies of an item share it, and setting the
/// page puts a new box in the item.
private final class PageBox: Sendable, Equatable {
    let request: PageRequest

    init(_ request: PageRequest) { self.request = request }

    static func == (a: PageBox, b: PageBox) -> Bool { a === b || a.request == b.request }
}
