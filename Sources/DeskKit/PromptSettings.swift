/// The batch-wide parts of the prompts a request's provider items are written from.
///
/// The system prompt of an item resolves in order: the item's own custom prompt
/// (``WorkItem/customPrompt``), the campaign's system prompt, the sender's custom prompt, a
/// template's prompt section, then copydesk's default. The brand profile (``brandID``, which an
/// item may override) is read once per batch.
public struct PromptSettings: Sendable, Equatable {
    /// The campaign's system prompt (bavlio campaigns, or a native `defaults.system_prompt`).
    public var campaignSystemPrompt: String?
    /// The sender's custom prompt (bavlio campaigns).
    public var senderPrompt: String?
    /// The brand profile every item uses unless it names its own: `library/<org>/brands/<id>.json`
    /// (`default` when neither says).
    public var brandID: String?
    /// The campaign the request belongs to, reported in results.
    public var campaignID: String?
    /// The writing defaults: `style`, `tone`, `length`, `audience`, `examples` (whatever the
    /// request gave, in its order).
    public var defaults: JSONObject

    /// Settings; everything is optional.
    public init(
        campaignSystemPrompt: String? = nil, senderPrompt: String? = nil, brandID: String? = nil,
        campaignID: String? = nil, defaults: JSONObject = JSONObject()
    ) {
        self.campaignSystemPrompt = campaignSystemPrompt
        self.senderPrompt = senderPrompt
        self.brandID = brandID
        self.campaignID = campaignID
        self.defaults = defaults
    }

    /// The names of the writing defaults, in the order they are written into a prompt.
    public static let defaultKeys = ["style", "tone", "length", "audience", "examples"]
}
