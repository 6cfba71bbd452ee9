/// One provider of `copydesk.json`'s `providers` list: what kind it is, where it is, and what it
/// serves.
///
/// ```json
/// "providers": [
///   {"name": "local", "type": "openai", "base_url": "http://127.0.0.1:8181/v1", "model": "smollm2",
///    "api_key_env": "LOCAL_LLM_KEY", "concurrency": 4, "timeout_seconds": 60, "max_retries": 4,
///    "modalities": ["text", "image"], "max_tokens": 512, "temperature": 0.7},
///   {"name": "script", "type": "command", "command": ["/usr/local/bin/write-copy", "--short"],
///    "timeout_seconds": 30, "orgs": ["acme"]}
/// ]
/// ```
/// The list is in order of preference: an item goes to the first provider that serves its
/// modality for its org. Without a `providers` list the desk has the built-in `offline` provider.
public struct ProviderSettings: Sendable, Equatable {
    /// How a provider produces its outputs.
    public enum Kind: String, Sendable, CaseIterable {
        /// Built in, deterministic, no network.
        case offline
        /// An OpenAI-compatible server (`/v1/chat/completions`, `/v1/images/generations`).
        case openai
        /// A program that reads the prompt on stdin and writes the output on stdout.
        case command
    }

    /// The name items and results refer to the provider by (`[A-Za-z0-9._-]`).
    public var name: String
    /// What kind of provider it is.
    public var kind: Kind
    /// The modalities it serves: `text` unless the settings say otherwise. `offline` and
    /// `command` serve text only; an `openai` provider may add `image`.
    public var modalities: [String] = ["text"]
    /// The orgs that may use it; `nil` for every org.
    public var orgs: [String]?
    /// The base URL of an `openai` provider, up to and including `/v1`.
    public var baseURL: String?
    /// The model an `openai` provider asks for.
    public var model: String?
    /// The model asked for image generation (defaults to ``model``).
    public var imageModel: String?
    /// The environment variable holding an `openai` provider's API key (sent as a bearer token).
    public var apiKeyEnvironment: String?
    /// The program and its arguments of a `command` provider.
    public var command: [String] = []
    /// The most calls in flight at once, across every batch.
    public var concurrency: Int = 4
    /// Seconds one call may take before it fails `PROVIDER_TIMEOUT`.
    public var timeoutSeconds: Double = 120
    /// Retries after a 429, a 5xx or a connection error (not after any other 4xx).
    public var maxRetries: Int = 4
    /// The first backoff delay; each retry doubles it (with jitter), unless `Retry-After` says.
    public var backoffSeconds: Double = 0.5
    /// The longest delay between two retries, `Retry-After` included.
    public var maxBackoffSeconds: Double = 30
    /// The most tokens a text answer may have.
    public var maxTokens: Int = 512
    /// The sampling temperature sent to the model, when set.
    public var temperature: Double?

    /// A provider named `name` of `kind`, with the defaults for everything else.
    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// The built-in provider a desk has when `copydesk.json` names none.
    public static let offline = ProviderSettings(name: "offline", kind: .offline)

    /// Whether the provider may be used for items of `org`.
    public func serves(org: String) -> Bool { orgs.map { $0.contains(org) } ?? true }
}

extension ProviderSettings {
    /// Reads the `providers` list of `copydesk.json`. Throws `INVALID_REQUEST` naming the bad key.
    public static func list(from value: JSONValue, source: String) throws(DeskError) -> [ProviderSettings] {
        guard case .array(let entries) = value, !entries.isEmpty else {
            throw DeskError(
                .invalidRequest, "\(source): providers must be a non-empty list of providers", field: "providers")
        }
        var providers: [ProviderSettings] = []
        for (i, entry) in entries.enumerated() {
            let provider = try ProviderSettings(json: entry, path: "providers[\(i)]", source: source)
            if providers.contains(where: { $0.name == provider.name }) {
                throw DeskError(
                    .invalidRequest, "\(source): providers[\(i)].name '\(provider.name)' is used twice",
                    field: "providers[\(i)].name")
            }
            providers.append(provider)
        }
        return providers
    }

    /// Reads one provider's settings.
    init(json: JSONValue, path: String, source: String) throws(DeskError) {
        func bad(_ key: String, _ expected: String) -> DeskError {
            DeskError(.invalidRequest, "\(source): \(path).\(key) must be \(expected)", field: "\(path).\(key)")
        }
        guard case .object(let o) = json else {
            throw DeskError(.invalidRequest, "\(source): \(path) must be an object", field: path)
        }
        guard let name = o["name"]?.stringValue, Path.isSafeID(name, maxBytes: 64) else {
            throw bad("name", "a name of letters, digits, '.', '_' and '-'")
        }
        guard let rawKind = o["type"]?.stringValue, let kind = Kind(rawValue: rawKind) else {
            throw bad("type", "one of offline, openai, command")
        }
        self.init(name: name, kind: kind)
        func strings(_ v: JSONValue, _ key: String) throws(DeskError) -> [String] {
            guard case .array(let a) = v, !a.isEmpty else { throw bad(key, "a non-empty list of strings") }
            var out: [String] = []
            for e in a {
                guard let s = e.stringValue, !s.isEmpty else { throw bad(key, "a non-empty list of strings") }
                out.append(s)
            }
            return out
        }
        func text(_ v: JSONValue, _ key: String) throws(DeskError) -> String {
            guard let s = v.stringValue, !s.isEmpty else { throw bad(key, "a non-empty string") }
            return s
        }
        func positive(_ v: JSONValue, _ key: String) throws(DeskError) -> Double {
            guard let d = v.doubleValue, d > 0, d.isFinite else { throw bad(key, "a positive number") }
            return d
        }
        func count(_ v: JSONValue, _ key: String, min: Int = 1) throws(DeskError) -> Int {
            guard let i = v.intValue, i >= min else { throw bad(key, "an integer, \(min) or more") }
            return i
        }
        for (key, v) in o.members {
            switch key {
            case "name", "type": continue
            case "modalities": modalities = try strings(v, key)
            case "orgs": orgs = try strings(v, key)
            case "base_url": baseURL = try text(v, key)
            case "model": model = try text(v, key)
            case "image_model": imageModel = try text(v, key)
            case "api_key_env": apiKeyEnvironment = try text(v, key)
            case "command": command = try strings(v, key)
            case "concurrency": concurrency = try count(v, key)
            case "timeout_seconds": timeoutSeconds = try positive(v, key)
            case "max_retries": maxRetries = try count(v, key, min: 0)
            case "backoff_seconds": backoffSeconds = try positive(v, key)
            case "max_backoff_seconds": maxBackoffSeconds = try positive(v, key)
            case "max_tokens": maxTokens = try count(v, key)
            case "temperature":
                guard let d = v.doubleValue, d >= 0, d <= 2 else { throw bad(key, "a number from 0 to 2") }
                temperature = d
            default:
                throw DeskError(
                    .invalidRequest,
                    "\(source): unknown setting '\(path).\(key)'; known: name, type, modalities, orgs, base_url, model, image_model, api_key_env, command, concurrency, timeout_seconds, max_retries, backoff_seconds, max_backoff_seconds, max_tokens, temperature",
                    field: "\(path).\(key)")
            }
        }
        switch kind {
        case .offline:
            if modalities != ["text"] { throw bad("modalities", "[\"text\"] for an offline provider") }
        case .command:
            if command.isEmpty { throw bad("command", "the program to run and its arguments, as a list") }
            if modalities != ["text"] { throw bad("modalities", "[\"text\"] for a command provider") }
        case .openai:
            guard let baseURL, baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://") else {
                throw bad("base_url", "an http:// or https:// URL (up to /v1) for an openai provider")
            }
            if model == nil { throw bad("model", "the model to ask for, for an openai provider") }
            if let bad = modalities.first(where: { $0 != "text" && $0 != "image" }) {
                throw DeskError(
                    .invalidRequest,
                    "\(source): \(path).modalities: an openai provider serves text and image, not \(bad)",
                    field: "\(path).modalities")
            }
        }
    }
}
