import DeskKit
import Foundation
import Generation
import Testing

/// The openai provider against a real OpenAI-compatible server: llama.cpp's llama-server with
/// SmolLM2-135M (``LLMServer``). The model's words are not checked, only the shape of what comes
/// back. Each test starts its own server on its own port and stops it, failed or not.
@Suite(.enabled(if: LLMServer.enabled, LLMServer.skipReason))
struct LLMServerTests {
    func settings(_ baseURL: String, _ change: (inout ProviderSettings) -> Void = { _ in }) -> ProviderSettings {
        var s = ProviderSettings(name: "local", kind: .openai)
        s.baseURL = baseURL
        s.model = "smollm2"
        s.apiKeyEnvironment = "LOCAL_LLM_KEY"
        s.maxTokens = 16
        s.temperature = 0.7
        s.timeoutSeconds = 120
        s.maxRetries = 2
        s.backoffSeconds = 0.05
        s.maxBackoffSeconds = 0.5
        change(&s)
        return s
    }

    func prompt(_ topic: String) -> Prompt {
        Prompt(
            system: "You are a copywriter. Answer in one sentence.", user: "Write a slogan about \(topic).",
            versionHash: "v1", parts: PromptParts(topic: topic))
    }

    @Test func aBatchOfPromptsIsGeneratedFourAtATime() async throws {
        let server = try LLMServer(apiKey: "right")
        defer { server.stop() }
        try await server.waitUntilReady()
        let registry = try ProviderRegistry(
            settings: [settings(server.baseURL) { $0.concurrency = 4 }], environment: ["LOCAL_LLM_KEY": "right"])
        let topics = ["tea", "bicycles", "rain", "maps", "bread", "lamps", "rivers", "socks"]
        let results = await withTaskGroup(of: Result<ProviderOutput, DeskError>.self) { group in
            for topic in topics { group.addTask { await registry.generate(prompt(topic), org: "default") } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == topics.count)
        for result in results {
            let output = try result.get()
            #expect(output.text?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == false)
            #expect(output.provider == "local")
            #expect(!output.model.isEmpty)
            #expect((output.promptTokens ?? 0) > 0)
            #expect((output.completionTokens ?? 0) > 0)
            #expect(output.attempts == 1)
        }
    }

    @Test func aWrongAPIKeyFailsProviderErrorWithTheServersMessageAtOnce() async throws {
        let server = try LLMServer(apiKey: "right")
        defer { server.stop() }
        try await server.waitUntilReady()
        let delays = Delays()
        let s = settings(server.baseURL)
        let provider = OpenAIProvider(
            settings: s, environment: ["LOCAL_LLM_KEY": "wrong"],
            retry: RetryPolicy(settings: s, sleep: { seconds in delays.append(seconds) }))
        let error = await #expect(throws: DeskError.self) { try await provider.generate(prompt("tea")) }
        #expect(error?.code == .providerError)
        #expect(error?.message.contains("the server refused the API key (401: Invalid API Key)") == true)
        #expect(error?.message.contains("set LOCAL_LLM_KEY") == true)
        #expect(delays.values.isEmpty)  // one attempt, no retry
    }

    @Test func aServerThatIsDownFailsUnavailableAfterEveryRetry() async throws {
        let delays = Delays()
        let s = settings("http://127.0.0.1:\(LLMServer.freePort())/v1")
        let provider = OpenAIProvider(
            settings: s, environment: ["LOCAL_LLM_KEY": "right"],
            retry: RetryPolicy(settings: s, sleep: { seconds in delays.append(seconds) }))
        let error = await #expect(throws: DeskError.self) { try await provider.generate(prompt("tea")) }
        #expect(error?.code == .providerUnavailable)
        #expect(error?.message.contains("after 3 attempts") == true)
        #expect(delays.values.count == 2)
    }

    /// A call made as soon as the server listens, while it still loads the model: llama-server
    /// answers 503 ("Loading model") until it is ready, and the provider retries until it is.
    /// Whether a 503 is met depends on how fast the model loads; the fault endpoint's
    /// `a503ThenSuccessIsRetried` checks the 503 → 200 path for sure.
    @Test func aCallWhileTheModelLoadsIsRetriedUntilItIsReady() async throws {
        let server = try LLMServer()
        defer { server.stop() }
        let firstHealth = try await server.waitUntilListening()
        let delays = Delays()
        let s = settings(server.baseURL) {
            $0.apiKeyEnvironment = nil
            $0.maxRetries = 600
            $0.backoffSeconds = 0.05
            $0.maxBackoffSeconds = 0.2
        }
        let provider = OpenAIProvider(
            settings: s, environment: [:],
            retry: RetryPolicy(
                settings: s,
                sleep: { seconds in
                    delays.append(seconds)
                    try await RetryPolicy.taskSleep(seconds)
                }))
        let output = try await provider.generate(prompt("tea"))
        #expect(output.text?.isEmpty == false)
        // Every attempt but the last was a 503 (or a refused connection) followed by a pause.
        #expect(output.attempts == delays.values.count + 1)
        print("llama-server: first /health \(firstHealth); the call took \(output.attempts) attempt(s)")
    }
}
