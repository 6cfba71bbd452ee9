import DeskKit
import Testing

struct ProviderSettingsTests {
    @Test func withoutProvidersTheDeskHasTheOfflineOne() throws {
        let configuration = try DeskConfiguration(json: try JSONValue.parse("{}"))
        #expect(configuration.providers == [.offline])
        #expect(configuration.providers[0].modalities == ["text"])
    }

    @Test func readsEveryProviderSetting() throws {
        let json = try JSONValue.parse(
            #"""
            {"providers": [
              {"name": "local", "type": "openai", "base_url": "http://127.0.0.1:8181/v1", "model": "smollm2",
               "image_model": "sd", "api_key_env": "LOCAL_KEY", "concurrency": 8, "timeout_seconds": 5,
               "max_retries": 2, "backoff_seconds": 0.1, "max_backoff_seconds": 3, "max_tokens": 64,
               "temperature": 0.2, "modalities": ["text", "image"], "orgs": ["acme"]},
              {"name": "script", "type": "command", "command": ["/bin/cat"], "timeout_seconds": 2}
            ]}
            """#)
        let providers = try DeskConfiguration(json: json).providers
        #expect(providers.map(\.name) == ["local", "script"])
        let local = providers[0]
        #expect(local.kind == .openai)
        #expect(local.baseURL == "http://127.0.0.1:8181/v1")
        #expect(local.model == "smollm2")
        #expect(local.imageModel == "sd")
        #expect(local.apiKeyEnvironment == "LOCAL_KEY")
        #expect(local.concurrency == 8)
        #expect(local.timeoutSeconds == 5)
        #expect(local.maxRetries == 2)
        #expect(local.backoffSeconds == 0.1)
        #expect(local.maxBackoffSeconds == 3)
        #expect(local.maxTokens == 64)
        #expect(local.temperature == 0.2)
        #expect(local.modalities == ["text", "image"])
        #expect(local.serves(org: "acme") && !local.serves(org: "other"))
        #expect(providers[1].kind == .command && providers[1].command == ["/bin/cat"])
        #expect(providers[1].serves(org: "anyone"))
    }

    @Test(arguments: [
        (#"{"providers": []}"#, "providers"),
        (#"{"providers": [{"type": "offline"}]}"#, "providers[0].name"),
        (#"{"providers": [{"name": "a/b", "type": "offline"}]}"#, "providers[0].name"),
        (#"{"providers": [{"name": "x", "type": "gpt"}]}"#, "providers[0].type"),
        (#"{"providers": [{"name": "x", "type": "openai", "model": "m"}]}"#, "providers[0].base_url"),
        (#"{"providers": [{"name": "x", "type": "openai", "base_url": "ftp://h/v1", "model": "m"}]}"#, "providers[0].base_url"),
        (#"{"providers": [{"name": "x", "type": "openai", "base_url": "http://h/v1"}]}"#, "providers[0].model"),
        (#"{"providers": [{"name": "x", "type": "openai", "base_url": "http://h/v1", "model": "m", "modalities": ["video"]}]}"#, "providers[0].modalities"),
        (#"{"providers": [{"name": "x", "type": "command"}]}"#, "providers[0].command"),
        (#"{"providers": [{"name": "x", "type": "command", "command": "cat"}]}"#, "providers[0].command"),
        (#"{"providers": [{"name": "x", "type": "command", "command": ["cat"], "modalities": ["image"]}]}"#, "providers[0].modalities"),
        (#"{"providers": [{"name": "x", "type": "offline", "concurency": 2}]}"#, "providers[0].concurency"),
        (#"{"providers": [{"name": "x", "type": "offline", "concurrency": 0}]}"#, "providers[0].concurrency"),
        (#"{"providers": [{"name": "x", "type": "offline", "timeout_seconds": -1}]}"#, "providers[0].timeout_seconds"),
        (#"{"providers": [{"name": "x", "type": "offline"}, {"name": "x", "type": "offline"}]}"#, "providers[1].name"),
    ])
    func aBadProviderNamesItsField(json: String, field: String) throws {
        let error = #expect(throws: DeskError.self) { try DeskConfiguration(json: try JSONValue.parse(json)) }
        #expect(error?.code == .invalidRequest)
        #expect(error?.field == field, "\(error?.message ?? "")")
    }
}
