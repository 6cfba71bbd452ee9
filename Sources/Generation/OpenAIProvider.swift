import DeskKit

/// A provider speaking to an OpenAI-compatible server (`/v1/chat/completions`,
/// `/v1/images/generations`). Being written on a branch: this placeholder fails every call.
public struct OpenAIProvider: ContentProvider {
    public let name: String
    public let modalities: [String]

    /// A provider for the server in `settings`, its API key read from `environment`.
    public init(settings: ProviderSettings, environment: [String: String]) {
        name = settings.name
        modalities = settings.modalities
    }

    public func generate(_ prompt: Prompt) async throws(DeskError) -> ProviderOutput {
        throw DeskError(.providerUnavailable, "provider \(name): the openai provider is not built yet")
    }
}
