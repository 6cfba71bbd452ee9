import DeskKit

/// Something that produces content from a prompt: the built-in ``OfflineProvider``, an
/// OpenAI-compatible server (``OpenAIProvider``) or a program (``CommandProvider``).
///
/// A provider does one call per ``generate(_:)``; concurrency limits, routing by modality and
/// storing the output are the ``ProviderRegistry``'s and the caller's business.
public protocol ContentProvider: Sendable {
    /// The provider's name from `copydesk.json`, written with every output it produces.
    var name: String { get }
    /// The modalities it serves (`text`, `image`).
    var modalities: [String] { get }
    /// Produces the output `prompt` asks for. Throws a ``DeskError`` (`PROVIDER_ERROR`,
    /// `PROVIDER_UNAVAILABLE`, `PROVIDER_TIMEOUT`, `PROVIDER_BAD_RESPONSE`) that becomes the
    /// item's error.
    func generate(_ prompt: Prompt) async throws(DeskError) -> ProviderOutput
}

/// What one provider call asks for: the assembled system and user messages, the modality, and
/// the parts they were assembled from (the offline provider writes from the parts).
public struct Prompt: Sendable, Equatable {
    /// The resolved system prompt.
    public var system: String
    /// The user message: brand, writing defaults, input data, instructions, then the topic.
    public var user: String
    /// `text` or `image` (the modality the provider was chosen for).
    public var modality: String
    /// A short hash of the resolved prompt template (system prompt and the template of the user
    /// message, not the item's data): `prompt_version_hash` in results.
    public var versionHash: String
    /// The parts the messages were made of.
    public var parts: PromptParts

    /// A prompt.
    public init(system: String, user: String, modality: String = "text", versionHash: String, parts: PromptParts) {
        self.system = system
        self.user = user
        self.modality = modality
        self.versionHash = versionHash
        self.parts = parts
    }
}

/// The pieces a prompt is assembled from, kept apart for providers that write without a model.
public struct PromptParts: Sendable, Equatable {
    /// The topic or brief.
    public var topic: String?
    /// The item's instructions.
    public var instructions: String?
    /// The brand profile, as the library holds it.
    public var brand: JSONObject?
    /// The writing defaults (`style`, `tone`, `length`, `audience`, `examples`).
    public var defaults: JSONObject
    /// The item's input data (its fields).
    public var input: JSONObject
    /// For a blog post (waldium): the post's topic, settings and date; the output is its body.
    public var post: PostRequest?
    /// The template's rendered `prompt.user`: what to write, when a template's prompt section
    /// says it.
    public var task: String?

    /// Parts; everything is optional.
    public init(
        topic: String? = nil, instructions: String? = nil, brand: JSONObject? = nil, defaults: JSONObject = JSONObject(),
        input: JSONObject = JSONObject(), post: PostRequest? = nil, task: String? = nil
    ) {
        self.task = task
        self.topic = topic
        self.instructions = instructions
        self.brand = brand
        self.defaults = defaults
        self.input = input
        self.post = post
    }
}

/// What a provider produced, with what it cost.
public struct ProviderOutput: Sendable, Equatable {
    /// The text (text modality).
    public var text: String?
    /// Where the image is (image modality, when the server answers with a URL).
    public var imageURL: String?
    /// The image itself, base64 (image modality, when the server answers with data).
    public var imageBase64: String?
    /// The provider's name.
    public var provider: String
    /// The model that answered (as the server reports it, else as configured).
    public var model: String
    /// Tokens of the prompt, as the server counted them (`nil` when it did not say).
    public var promptTokens: Int?
    /// Tokens of the answer, as the server counted them.
    public var completionTokens: Int?
    /// Seconds from the call to its answer, retries and waits included.
    public var latencySeconds: Double
    /// How many calls it took (1 + retries).
    public var attempts: Int

    /// An output.
    public init(
        text: String? = nil, imageURL: String? = nil, imageBase64: String? = nil, provider: String, model: String,
        promptTokens: Int? = nil, completionTokens: Int? = nil, latencySeconds: Double = 0, attempts: Int = 1
    ) {
        self.text = text
        self.imageURL = imageURL
        self.imageBase64 = imageBase64
        self.provider = provider
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.latencySeconds = latencySeconds
        self.attempts = attempts
    }
}
