import DeskKit
import Dispatch
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A provider speaking to an OpenAI-compatible server: llama.cpp's llama-server, vLLM, Ollama,
/// OpenAI.
///
/// Text: `POST {base_url}/chat/completions` with `{model, messages: [system, user], max_tokens,
/// temperature?}`; the output is `choices[0].message.content`, with `usage` and the model the
/// server names. Image: `POST {base_url}/images/generations` with `{model: image_model ?? model,
/// prompt, n: 1, size: "1024x1024"}`; the output is `data[0].url` or `data[0].b64_json`. The API
/// key, if `api_key_env` names a variable, is sent as a bearer token.
///
/// One ``generate(_:)`` is one logical call: a 429, a 5xx or a connection error is retried (see
/// ``RetryPolicy``), any other 4xx is not. Each attempt has `timeout_seconds` to answer in full;
/// an attempt that runs out of time fails the call `PROVIDER_TIMEOUT` at once, without a retry:
/// the server may still be working on it (retrying would pile more work on a server that is
/// already slow), and an item then never waits much longer than `timeout_seconds`.
public struct OpenAIProvider: ContentProvider {
    public let name: String
    public let modalities: [String]
    let settings: ProviderSettings
    /// `base_url` without a trailing slash.
    let baseURL: String
    /// The bearer token, if one is configured and set.
    let apiKey: String?
    /// The variable `api_key_env` names when it is not set: every call fails, saying so.
    let missingKeyVariable: String?
    let retry: RetryPolicy
    let transport: HTTPTransport

    /// The most characters of a server's error body quoted in an item's error.
    static let quoteLimit = 300

    /// A provider for the server in `settings`, its API key read from `environment`.
    public init(settings: ProviderSettings, environment: [String: String]) {
        self.init(settings: settings, environment: environment, retry: RetryPolicy(settings: settings))
    }

    /// A provider that retries by `retry` (tests give it a sleeper that records the delays).
    public init(settings: ProviderSettings, environment: [String: String], retry: RetryPolicy) {
        name = settings.name
        modalities = settings.modalities
        self.settings = settings
        var base = settings.baseURL ?? ""
        while base.hasSuffix("/") { base.removeLast() }
        baseURL = base
        if let variable = settings.apiKeyEnvironment {
            let key = environment[variable].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            apiKey = key.isEmpty ? nil : key
            missingKeyVariable = key.isEmpty ? variable : nil
        } else {
            apiKey = nil
            missingKeyVariable = nil
        }
        self.retry = retry
        transport = HTTPTransport(connections: max(settings.concurrency, 1), timeout: settings.timeoutSeconds)
    }

    /// The model asked for text.
    var model: String { settings.model ?? "" }

    public func generate(_ prompt: Prompt) async throws(DeskError) -> ProviderOutput {
        if let missingKeyVariable {
            throw DeskError(
                .providerError,
                "provider \(name): its API key variable \(missingKeyVariable) is not set; set \(missingKeyVariable) in copydesk's environment, or remove api_key_env from copydesk.json for a server without a key",
                field: "provider")
        }
        let started = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        if prompt.modality == "image" {
            let imageModel = settings.imageModel ?? model
            let answer = try await call("images/generations", body: imageBody(prompt, model: imageModel))
            return try imageOutput(answer.body, model: imageModel, latency: elapsed(), attempts: answer.attempts)
        }
        let answer = try await call("chat/completions", body: chatBody(prompt))
        return try textOutput(answer.body, latency: elapsed(), attempts: answer.attempts)
    }

    /// `{model, messages, max_tokens, temperature?}`; the system message only when there is one.
    func chatBody(_ prompt: Prompt) -> JSONValue {
        var messages: [JSONValue] = []
        if !prompt.system.isEmpty { messages.append(["role": "system", "content": .string(prompt.system)]) }
        messages.append(["role": "user", "content": .string(prompt.user)])
        var body = JSONObject([
            ("model", .string(model)), ("messages", .array(messages)), ("max_tokens", .int(settings.maxTokens)),
        ])
        if let temperature = settings.temperature { body["temperature"] = .double(temperature) }
        return .object(body)
    }

    /// `{model, prompt, n: 1, size: "1024x1024"}`; the prompt is the system prompt and the user
    /// message, or the user message alone.
    func imageBody(_ prompt: Prompt, model: String) -> JSONValue {
        let text = prompt.system.isEmpty ? prompt.user : prompt.system + "\n\n" + prompt.user
        return .object(
            JSONObject([
                ("model", .string(model)), ("prompt", .string(text)), ("n", .int(1)), ("size", "1024x1024"),
            ]))
    }

    /// The output of a chat completion: `choices[0].message.content`, `usage` and `model`.
    func textOutput(_ body: [UInt8], latency: Double, attempts: Int) throws(DeskError) -> ProviderOutput {
        let json = try parse(body, "chat/completions")
        guard let choice = json["choices"]?[0] else {
            throw bad("the answer has no choices", body)
        }
        let text = Self.text(of: choice["message"]?["content"])
        guard let text, !text.trimmingSpaces().isEmpty else {
            let reason = choice["finish_reason"]?.stringValue.map { " (finish_reason: \($0))" } ?? ""
            throw bad("the answer has no text in choices[0].message.content\(reason)", body)
        }
        return ProviderOutput(
            text: text, provider: name, model: json["model"]?.stringValue ?? model,
            promptTokens: json["usage"]?["prompt_tokens"]?.intValue,
            completionTokens: json["usage"]?["completion_tokens"]?.intValue, latencySeconds: latency,
            attempts: attempts)
    }

    /// The output of an image generation: `data[0].url` or `data[0].b64_json`.
    func imageOutput(
        _ body: [UInt8], model: String, latency: Double, attempts: Int
    ) throws(DeskError)
        -> ProviderOutput
    {
        let json = try parse(body, "images/generations")
        let image = json["data"]?[0]
        let url = image?["url"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let data = image?["b64_json"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        guard url != nil || data != nil else {
            throw bad("the answer has no image in data[0].url or data[0].b64_json", body)
        }
        return ProviderOutput(
            imageURL: url, imageBase64: data, provider: name, model: json["model"]?.stringValue ?? model,
            latencySeconds: latency, attempts: attempts)
    }

    /// A message's content: a string, or the text parts of a list of parts.
    static func text(of content: JSONValue?) -> String? {
        if let text = content?.stringValue { return text }
        guard let parts = content?.arrayValue else { return nil }
        let texts = parts.compactMap { $0["text"]?.stringValue ?? $0.stringValue }
        return texts.isEmpty ? nil : texts.joined()
    }

    private func parse(_ body: [UInt8], _ path: String) throws(DeskError) -> JSONValue {
        let json: JSONValue
        do {
            json = try JSONValue.parse(body)
        } catch {
            throw bad("the answer from \(path) is not JSON (\(error.message))", body)
        }
        guard case .object = json else { throw bad("the answer from \(path) is not a JSON object", body) }
        return json
    }

    private func bad(_ what: String, _ body: [UInt8]) -> DeskError {
        DeskError(
            .providerBadResponse,
            "provider \(name): \(what): \(Self.quote(body)); check that base_url \(baseURL) is an OpenAI-compatible server",
            field: "provider")
    }

    /// At most ``quoteLimit`` characters of `body`, on one line.
    static func quote(_ body: [UInt8]) -> String {
        var text = String(decoding: body.prefix(quoteLimit * 4), as: UTF8.self)
        text = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingSpaces()
        if text.isEmpty { return "(an empty body)" }
        if text.count > quoteLimit { text = String(text.prefix(quoteLimit)) + "…" }
        return text
    }
}
