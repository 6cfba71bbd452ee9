import DeskKit
import Foundation
import Generation
import Testing

/// The openai provider against ``FaultServer``: what it sends, what it makes of each answer, and
/// when it retries. Delays are recorded by an injected sleeper (and slept, briefly), so the
/// tests check the delays the policy chose, not how long anything took.
struct OpenAIProviderTests {
    let prompt = Prompt(
        system: "You write short copy.", user: "Write one line about green tea.", versionHash: "v1",
        parts: PromptParts())

    /// Settings for `server`, with fast retries.
    func settings(_ baseURL: String, _ change: (inout ProviderSettings) -> Void = { _ in }) -> ProviderSettings {
        var s = ProviderSettings(name: "local", kind: .openai)
        s.baseURL = baseURL
        s.model = "smol"
        s.apiKeyEnvironment = "LOCAL_LLM_KEY"
        s.maxRetries = 3
        s.backoffSeconds = 0.01
        s.maxBackoffSeconds = 0.05
        s.timeoutSeconds = 20
        change(&s)
        return s
    }

    /// A provider whose retries record their delays in `delays` (jitter fixed at its middle).
    func provider(
        _ settings: ProviderSettings, key: String? = "sekret", delays: Delays = Delays()
    ) -> OpenAIProvider {
        let retry = RetryPolicy(settings: settings, random: { 0.5 }) { seconds in
            delays.append(seconds)
            try await RetryPolicy.taskSleep(seconds)
        }
        return OpenAIProvider(
            settings: settings, environment: key.map { ["LOCAL_LLM_KEY": $0] } ?? [:], retry: retry)
    }

    @Test func aChatCompletionSendsTheMessagesAndReadsTextUsageAndModel() async throws {
        let server = try FaultServer { _, _ in .chat("Green tea, calm in a cup.") }
        defer { server.stop() }
        let output = try await provider(
            settings(server.baseURL) {
                $0.temperature = 0.7; $0.maxTokens = 64
            }
        )
        .generate(prompt)
        #expect(output.text == "Green tea, calm in a cup.")
        #expect(output.model == "served-model")
        #expect(output.provider == "local")
        #expect(output.promptTokens == 12)
        #expect(output.completionTokens == 5)
        #expect(output.attempts == 1)
        #expect(output.latencySeconds > 0)

        let request = try #require(server.requests.first)
        #expect(server.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/chat/completions")
        #expect(request.headers["authorization"] == "Bearer sekret")
        #expect(request.headers["content-type"] == "application/json")
        let body = try #require(request.json)
        #expect(body["model"] == "smol")
        #expect(body["max_tokens"] == 64)
        #expect(body["temperature"]?.doubleValue == 0.7)
        #expect(
            body["messages"]
                == [
                    ["role": "system", "content": "You write short copy."],
                    ["role": "user", "content": "Write one line about green tea."],
                ])
    }

    @Test func withoutAnAPIKeyVariableNoAuthorizationIsSentNorTemperature() async throws {
        let server = try FaultServer { _, _ in .chat() }
        defer { server.stop() }
        let s = settings(server.baseURL + "/") { $0.apiKeyEnvironment = nil }
        _ = try await provider(s, key: nil).generate(
            Prompt(system: "", user: "Hi", versionHash: "v", parts: PromptParts()))
        let request = try #require(server.requests.first)
        #expect(request.path == "/v1/chat/completions")  // the trailing slash of base_url is dropped
        #expect(request.headers["authorization"] == nil)
        let body = try #require(request.json)
        #expect(body["temperature"] == nil)
        #expect(body["messages"] == [["role": "user", "content": "Hi"]])  // no empty system message
    }

    @Test func aMissingAPIKeyVariableFailsEveryCallWithoutAskingTheServer() async throws {
        let server = try FaultServer { _, _ in .chat() }
        defer { server.stop() }
        let error = await #expect(throws: DeskError.self) {
            try await provider(settings(server.baseURL), key: nil).generate(prompt)
        }
        #expect(error?.code == .providerError)
        #expect(error?.message.contains("LOCAL_LLM_KEY is not set") == true)
        #expect(server.requests.isEmpty)
    }

    @Test func a429WithRetryAfterIsWaitedForThenTheSuccessArrives() async throws {
        let server = try FaultServer { index, _ in
            index == 0
                ? .json(429, ["error": ["message": "slow down"]], headers: [("Retry-After", "1")]) : .chat()
        }
        defer { server.stop() }
        let delays = Delays()
        let output = try await provider(settings(server.baseURL) { $0.maxBackoffSeconds = 5 }, delays: delays)
            .generate(prompt)
        #expect(output.attempts == 2)
        #expect(output.text == "Tea is a leaf.")
        #expect(delays.values == [1])  // Retry-After, not the 0.01 s backoff
        #expect(server.requests.count == 2)
    }

    @Test func retryAfterIsCappedAtMaxBackoff() async throws {
        let server = try FaultServer { index, _ in
            index == 0 ? .text(429, "busy", headers: [("Retry-After", "3600")]) : .chat()
        }
        defer { server.stop() }
        let delays = Delays()
        let output = try await provider(settings(server.baseURL), delays: delays).generate(prompt)
        #expect(output.attempts == 2)
        #expect(delays.values == [0.05])
    }

    @Test func fiveHundredsAreRetriedWithGrowingBackoffThenTheSuccessArrives() async throws {
        let server = try FaultServer { index, _ in
            index < 3 ? .json(500, ["error": ["message": "boom"]]) : .chat()
        }
        defer { server.stop() }
        let delays = Delays()
        let output = try await provider(settings(server.baseURL) { $0.backoffSeconds = 0.004 }, delays: delays)
            .generate(prompt)
        #expect(output.attempts == 4)
        #expect(server.requests.count == 4)
        // Equal jitter at its middle: 3/4 of 0.004, 0.008, 0.016.
        #expect(delays.values.count == 3)
        for (delay, expected) in zip(delays.values, [0.003, 0.006, 0.012]) { #expect(abs(delay - expected) < 1e-9) }
    }

    @Test func a503ThenSuccessIsRetried() async throws {
        let server = try FaultServer { index, _ in
            index == 0
                ? .json(503, ["error": ["message": "Loading model", "type": "unavailable_error", "code": 503]])
                : .chat()
        }
        defer { server.stop() }
        let output = try await provider(settings(server.baseURL)).generate(prompt)
        #expect(output.attempts == 2)
    }

    @Test func fiveHundredsForeverFailUnavailableAfterEveryRetry() async throws {
        let server = try FaultServer { _, _ in .json(500, ["error": ["message": "the GPU caught fire"]]) }
        defer { server.stop() }
        let delays = Delays()
        let error = await #expect(throws: DeskError.self) {
            try await provider(settings(server.baseURL), delays: delays).generate(prompt)
        }
        #expect(error?.code == .providerUnavailable)
        #expect(error?.message.contains("500 (the GPU caught fire) after 4 attempts") == true)
        #expect(server.requests.count == 4)  // max_retries 3, plus the first
        #expect(delays.values.count == 3)
    }

    @Test func fourTwentyNinesForeverFailUnavailable() async throws {
        let server = try FaultServer { _, _ in .json(429, ["error": ["message": "rate limited"]]) }
        defer { server.stop() }
        let error = await #expect(throws: DeskError.self) {
            try await provider(settings(server.baseURL) { $0.maxRetries = 1 }).generate(prompt)
        }
        #expect(error?.code == .providerUnavailable)
        #expect(error?.message.contains("429 (rate limited) after 2 attempts") == true)
        #expect(error?.message.contains("lower concurrency") == true)
        #expect(server.requests.count == 2)
    }

    @Test func a400IsNotRetriedAndCarriesTheServersMessage() async throws {
        let server = try FaultServer { _, _ in
            .json(400, ["error": ["message": "max_tokens must be at most 4096", "type": "invalid_request_error"]])
        }
        defer { server.stop() }
        let delays = Delays()
        let error = await #expect(throws: DeskError.self) {
            try await provider(settings(server.baseURL), delays: delays).generate(prompt)
        }
        #expect(error?.code == .providerError)
        #expect(error?.message.contains("(400: max_tokens must be at most 4096)") == true)
        #expect(server.requests.count == 1)
        #expect(delays.values.isEmpty)
    }

    @Test func a401SaysTheKeyWasRefusedAndWhichVariableToSet() async throws {
        let server = try FaultServer { _, _ in
            .json(401, ["error": ["message": "Invalid API Key", "type": "authentication_error", "code": 401]])
        }
        defer { server.stop() }
        let error = await #expect(throws: DeskError.self) {
            try await provider(settings(server.baseURL), key: "wrong").generate(prompt)
        }
        #expect(error?.code == .providerError)
        #expect(
            error?.message
                == "provider local: the server refused the API key (401: Invalid API Key); set LOCAL_LLM_KEY to the server's key"
        )
        #expect(server.requests.count == 1)
        #expect(server.requests.first?.headers["authorization"] == "Bearer wrong")
    }

    @Test func aBodyThatIsNotJSONIsQuotedInTheError() async throws {
        let long = "<html>forbidden " + String(repeating: "x", count: 1000) + "</html>"
        let server = try FaultServer { _, _ in .text(403, long) }
        defer { server.stop() }
        let error = await #expect(throws: DeskError.self) {
            try await provider(settings(server.baseURL)).generate(prompt)
        }
        #expect(error?.code == .providerError)
        #expect(error?.message.contains("(403: <html>forbidden xxx") == true)
        #expect(error?.message.contains("</html>") == false)  // 300 characters at most
    }

    @Test func anAnswerSlowerThanTheTimeoutFailsTimeoutWithoutARetry() async throws {
        let server = try FaultServer { _, _ in .chat(delay: 10) }
        defer { server.stop() }
        let error = await #expect(throws: DeskError.self) {
            try await provider(settings(server.baseURL) { $0.timeoutSeconds = 0.5 }).generate(prompt)
        }
        #expect(error?.code == .providerTimeout)
        #expect(error?.message.contains("within 0.5 s") == true)
        #expect(server.requests.count == 1)
    }

    @Test(arguments: [
        ("{\"choices\": [", "is not JSON"),
        ("[1, 2]", "is not a JSON object"),
        ("{\"choices\": []}", "no choices"),
        (
            "{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": \"\"}, \"finish_reason\": \"length\"}]}",
            "no text in choices[0].message.content (finish_reason: length)"
        ),
    ])
    func aMalformedAnswerFailsBadResponse(body: String, says: String) async throws {
        let server = try FaultServer { _, _ in .text(200, body) }
        defer { server.stop() }
        let error = await #expect(throws: DeskError.self) {
            try await provider(settings(server.baseURL)).generate(prompt)
        }
        #expect(error?.code == .providerBadResponse)
        #expect(error?.message.contains(says) == true)
        #expect(server.requests.count == 1)
    }

    @Test func contentAsAListOfPartsIsJoined() async throws {
        let server = try FaultServer { _, _ in
            .json(
                200,
                [
                    "choices": [
                        [
                            "message": [
                                "content": [["type": "text", "text": "Green "], ["type": "text", "text": "tea"]]
                            ]
                        ]
                    ]
                ])
        }
        defer { server.stop() }
        let output = try await provider(settings(server.baseURL)).generate(prompt)
        #expect(output.text == "Green tea")
        #expect(output.model == "smol")  // the server named none
        #expect(output.promptTokens == nil)
    }

    @Test func aRefusedConnectionFailsUnavailableAfterEveryRetry() async throws {
        let delays = Delays()
        let error = await #expect(throws: DeskError.self) {
            try await provider(settings("http://127.0.0.1:\(FaultServer.closedPort())/v1"), delays: delays)
                .generate(prompt)
        }
        #expect(error?.code == .providerUnavailable)
        #expect(error?.message.contains("(connection refused) after 4 attempts") == true)
        #expect(error?.message.contains("check that the server is running") == true)
        #expect(delays.values.count == 3)
    }

    @Test func aDroppedConnectionIsRetried() async throws {
        let server = try FaultServer { index, _ in index == 0 ? .dropped : .chat() }
        defer { server.stop() }
        let output = try await provider(settings(server.baseURL)).generate(prompt)
        #expect(output.attempts == 2)
    }

    @Test func anImageIsGeneratedFromAURL() async throws {
        let server = try FaultServer { _, _ in
            .json(200, ["created": 1, "data": [["url": "https://images.example/cat.png"]]])
        }
        defer { server.stop() }
        let s = settings(server.baseURL) {
            $0.modalities = ["text", "image"]
            $0.imageModel = "painter"
        }
        let output = try await provider(s).generate(
            Prompt(system: "Flat style.", user: "A cat.", modality: "image", versionHash: "v", parts: PromptParts()))
        #expect(output.imageURL == "https://images.example/cat.png")
        #expect(output.imageBase64 == nil)
        #expect(output.model == "painter")
        let request = try #require(server.requests.first)
        #expect(request.path == "/v1/images/generations")
        #expect(request.headers["authorization"] == "Bearer sekret")
        #expect(request.json == ["model": "painter", "prompt": "Flat style.\n\nA cat.", "n": 1, "size": "1024x1024"])
    }

    @Test func anImageIsGeneratedAsBase64WithTheTextModelByDefault() async throws {
        let server = try FaultServer { _, _ in .json(200, ["data": [["b64_json": "iVBORw0KGgo="]]]) }
        defer { server.stop() }
        let output = try await provider(settings(server.baseURL) { $0.modalities = ["image"] }).generate(
            Prompt(system: "", user: "A cat.", modality: "image", versionHash: "v", parts: PromptParts()))
        #expect(output.imageBase64 == "iVBORw0KGgo=")
        #expect(output.imageURL == nil)
        #expect(server.requests.first?.json?["model"] == "smol")
        #expect(server.requests.first?.json?["prompt"] == "A cat.")
    }

    @Test func anImageAnswerWithoutAnImageFailsBadResponse() async throws {
        let server = try FaultServer { _, _ in .json(200, ["data": []]) }
        defer { server.stop() }
        let error = await #expect(throws: DeskError.self) {
            try await provider(settings(server.baseURL)).generate(
                Prompt(system: "", user: "A cat.", modality: "image", versionHash: "v", parts: PromptParts()))
        }
        #expect(error?.code == .providerBadResponse)
    }

    /// The server answers nobody until 32 requests are in at once: with fewer connections per host
    /// the calls would queue in the client and the server would never hold 32.
    @Test func thirtyTwoCallsAreInFlightAtOnce() async throws {
        let server = try FaultServer { _, _ in .chat() }
        defer { server.stop() }
        server.holdUntil(32)
        let p = provider(settings(server.baseURL) { $0.concurrency = 32 })
        let outputs = try await withThrowingTaskGroup(of: ProviderOutput.self) { group in
            for _ in 0..<32 { group.addTask { try await p.generate(prompt) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outputs.count == 32)
        #expect(outputs.allSatisfy { $0.attempts == 1 && $0.text == "Tea is a leaf." })
        #expect(server.maxInFlight == 32)
    }

    @Test func theRegistryRoutesTextToTheOpenAIProviderWithinItsLimit() async throws {
        let server = try FaultServer { _, _ in .chat() }
        defer { server.stop() }
        let registry = try ProviderRegistry(
            settings: [settings(server.baseURL) { $0.concurrency = 2 }], environment: ["LOCAL_LLM_KEY": "sekret"])
        let results = await withTaskGroup(of: Result<ProviderOutput, DeskError>.self) { group in
            for _ in 0..<6 { group.addTask { await registry.generate(prompt, org: "default") } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 6)
        #expect(results.allSatisfy { (try? $0.get().provider) == "local" })
        #expect(server.maxInFlight <= 2)
    }
}

/// The retry policy on its own.
struct RetryPolicyTests {
    func policy(random: Double) -> RetryPolicy {
        var s = ProviderSettings(name: "p", kind: .openai)
        s.backoffSeconds = 0.5
        s.maxBackoffSeconds = 3
        return RetryPolicy(settings: s, random: { random }) { _ in }
    }

    @Test func backoffDoublesWithEqualJitterUpToTheCap() {
        let low = policy(random: 0)
        let high = policy(random: 0.999_999)
        #expect((1...5).map { low.delay(beforeRetry: $0) } == [0.25, 0.5, 1, 1.5, 1.5])
        for (retry, ceiling) in zip(1...5, [0.5, 1, 2, 3, 3]) {
            #expect(high.delay(beforeRetry: retry) <= ceiling)
            #expect(high.delay(beforeRetry: retry) > ceiling * 0.99)
        }
    }

    @Test func retryAfterInSecondsOrAsAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 784_111_767)  // Sun, 06 Nov 1994 08:49:27 GMT
        #expect(RetryPolicy.seconds(retryAfter: "2", now: now) == 2)
        #expect(RetryPolicy.seconds(retryAfter: " 1.5 ", now: now) == 1.5)
        #expect(RetryPolicy.seconds(retryAfter: "Sun, 06 Nov 1994 08:49:37 GMT", now: now) == 10)
        #expect(RetryPolicy.seconds(retryAfter: "soon", now: now) == nil)
        #expect(RetryPolicy.seconds(retryAfter: "Sun, 06 Nov 1994 08:49:37 CET", now: now) == nil)
        let p = policy(random: 0)
        #expect(p.delay(beforeRetry: 1, retryAfter: "2", now: now) == 2)
        #expect(p.delay(beforeRetry: 1, retryAfter: "Sun, 06 Nov 1994 09:49:37 GMT", now: now) == 3)  // capped
        #expect(p.delay(beforeRetry: 1, retryAfter: "Sun, 06 Nov 1994 08:00:00 GMT", now: now) == 0)  // past
        #expect(p.delay(beforeRetry: 2, retryAfter: "never", now: now) == 0.5)  // unreadable: the backoff
    }

    @Test func onlyTooManyRequestsAndServerErrorsAreRetryable() {
        #expect(RetryPolicy.isRetryable(status: 429))
        #expect(RetryPolicy.isRetryable(status: 500))
        #expect(RetryPolicy.isRetryable(status: 503))
        #expect(!RetryPolicy.isRetryable(status: 400))
        #expect(!RetryPolicy.isRetryable(status: 401))
        #expect(!RetryPolicy.isRetryable(status: 404))
        #expect(!RetryPolicy.isRetryable(status: 200))
    }
}

/// Delays a sleeper was asked for, in order.
final class Delays: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Double] = []

    func append(_ seconds: Double) {
        lock.lock()
        recorded.append(seconds)
        lock.unlock()
    }

    var values: [Double] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }
}

/// The openai provider behind the generator, as the daemon drives it: prompt items of one batch
/// concurrently, each outcome with its generation record or its own error.
struct OpenAIGenerationTests {
    @Test func promptItemsOfABatchAreGeneratedAndAFailureStaysWithItsItem() async throws {
        let server = try FaultServer { _, request in
            let user = request.json?["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
            return user.contains("forbidden topic")
                ? .json(400, ["error": ["message": "content policy"]]) : .chat("Copy.", completionTokens: 3)
        }
        defer { server.stop() }
        var s = ProviderSettings(name: "local", kind: .openai)
        s.baseURL = server.baseURL
        s.model = "smol"
        s.concurrency = 4
        let registry = try ProviderRegistry(settings: [s], environment: [:])
        let generator = ContentGenerator(templates: TemplateStore(layout: try temporaryLayout()), providers: registry)
        var items = (0..<12).map { i in
            var item = WorkItem(index: i, kind: .prompt, topic: "topic \(i)")
            item.id = "i\(i)"
            return item
        }
        items[5].topic = "a forbidden topic"
        // The batch call blocks its thread until every item is done: run it on a thread of its own.
        let outcomes = await withCheckedContinuation { (continuation: CheckedContinuation<[ItemOutcome], Never>) in
            let work = items
            Thread {
                var all: [ItemOutcome] = []
                generator.generate(work, org: "default", context: PromptContext()) { all += $0 }
                continuation.resume(returning: all.sorted { $0.index < $1.index })
            }.start()
        }
        #expect(outcomes.count == 12)
        #expect(server.requests.count == 12)
        #expect(server.maxInFlight <= 4)
        for outcome in outcomes where outcome.index != 5 {
            #expect(outcome.state == .generated)
            #expect(outcome.content?["text"] == "Copy.")
            #expect(outcome.generation?["provider"] == "local")
            #expect(outcome.generation?["model"] == "served-model")
            #expect(outcome.generation?["completion_tokens"] == 3)
            #expect(outcome.generation?["attempts"] == 1)
        }
        #expect(outcomes[5].state == .failed)
        #expect(outcomes[5].error?.code == .providerError)
        #expect(outcomes[5].error?.message.contains("(400: content policy)") == true)
    }
}
