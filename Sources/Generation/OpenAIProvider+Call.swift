import DeskKit
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension OpenAIProvider {
    /// POSTs `body` to `{base_url}/{path}` until it succeeds, fails for good or runs out of
    /// retries; the answer's body and how many attempts it took.
    ///
    /// Retried: 429, 5xx and connection errors (after ``RetryPolicy/delay(beforeRetry:retryAfter:now:)``).
    /// Not retried: any other status outside 2xx (`PROVIDER_ERROR` with the server's message), a
    /// timeout (`PROVIDER_TIMEOUT`), a URL that cannot be used.
    func call(_ path: String, body: JSONValue) async throws(DeskError) -> (body: [UInt8], attempts: Int) {
        let address = baseURL + "/" + path
        guard let url = URL(string: address), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https"
        else {
            throw DeskError(
                .providerError, "provider \(name): \(address) is not a usable URL; check base_url in copydesk.json",
                field: "provider")
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = Data(body.serialized())
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        request.timeoutInterval = settings.timeoutSeconds + 1  // the transport's deadline fires first
        var attempt = 0
        while true {
            attempt += 1
            let failure: DeskError  // what the call fails with when no retry is left
            var retryAfter: String?
            switch await transport.send(request, timeout: settings.timeoutSeconds) {
            case .response(let status, _, let bytes) where (200...299).contains(status):
                return (bytes, attempt)
            case .response(let status, let headers, let bytes) where RetryPolicy.isRetryable(status: status):
                retryAfter = headers["retry-after"]
                failure = unavailable(status: status, bytes, attempts: attempt)
            case .response(let status, _, let bytes):
                throw rejected(status: status, bytes, address: address)
            case .timedOut:
                throw DeskError(
                    .providerTimeout,
                    "provider \(name): no whole answer from \(address) within \(CommandProvider.seconds(settings.timeoutSeconds)) s (attempt \(attempt)); raise timeout_seconds, lower max_tokens, or check the server's load",
                    field: "provider")
            case .cancelled:
                throw cancelled()
            case .failed(let code, let reason):
                if [
                    .badURL, .unsupportedURL, .serverCertificateUntrusted, .serverCertificateHasBadDate,
                    .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected,
                    .secureConnectionFailed,
                ].contains(code) {
                    throw DeskError(
                        .providerError,
                        "provider \(name): cannot use \(address): \(reason); check base_url in copydesk.json",
                        field: "provider")
                }
                failure = DeskError(
                    .providerUnavailable,
                    "provider \(name): cannot reach \(baseURL) (\(reason)) after \(Self.attempts(attempt)); check that the server is running and that base_url is right",
                    field: "provider")
            }
            guard attempt <= retry.maxRetries else { throw failure }
            let delay = retry.delay(beforeRetry: attempt, retryAfter: retryAfter)
            do {
                try await retry.sleep(delay)
            } catch {
                throw cancelled()
            }
        }
    }

    /// The error of a 429 or 5xx once every retry is spent.
    private func unavailable(status: Int, _ body: [UInt8], attempts: Int) -> DeskError {
        let message = Self.serverMessage(body, status: status)
        let advice =
            status == 429
            ? "lower concurrency, or raise max_retries or max_backoff_seconds in copydesk.json"
            : "check the server (its log says why), or raise max_retries in copydesk.json"
        return DeskError(
            .providerUnavailable,
            "provider \(name): the server answered \(status) (\(message)) after \(Self.attempts(attempts)); \(advice)",
            field: "provider")
    }

    /// The error of a status that no retry can mend: a 4xx other than 429, or a 3xx.
    private func rejected(status: Int, _ body: [UInt8], address: String) -> DeskError {
        let message = Self.serverMessage(body, status: status)
        let text: String
        switch status {
        case 401, 403:
            if let variable = settings.apiKeyEnvironment {
                text = "the server refused the API key (\(status): \(message)); set \(variable) to the server's key"
            } else {
                text =
                    "the server asks for an API key (\(status): \(message)); set api_key_env in copydesk.json to the variable that holds it"
            }
        case 404:
            text =
                "the server has no \(address) or no model \(model) (\(status): \(message)); check base_url (up to /v1) and model in copydesk.json"
        default:
            text =
                "the server rejected the request (\(status): \(message)); check model, max_tokens and temperature in copydesk.json"
        }
        return DeskError(.providerError, "provider \(name): \(text)", field: "provider")
    }

    private func cancelled() -> DeskError {
        DeskError(
            .providerUnavailable,
            "provider \(name): the call was cancelled before the server answered (copydesk is stopping); the item can be generated again",
            field: "provider")
    }

    /// "1 attempt", "5 attempts".
    static func attempts(_ n: Int) -> String { n == 1 ? "1 attempt" : "\(n) attempts" }

    /// The server's own words about an error: `error.message` (OpenAI's shape), `error` or
    /// `message` of a JSON body, else the body's first ``quoteLimit`` characters, else the
    /// status's name.
    static func serverMessage(_ body: [UInt8], status: Int) -> String {
        if let json = try? JSONValue.parse(body) {
            let candidates = [json["error"]?["message"], json["error"], json["message"], json["detail"]]
            if let text = candidates.lazy.compactMap({ $0?.stringValue }).first(where: { !$0.isEmpty }) {
                return text.count > quoteLimit ? String(text.prefix(quoteLimit)) + "…" : text
            }
        }
        let quoted = quote(body)
        return body.isEmpty || quoted == "(an empty body)"
            ? HTTPURLResponse.localizedString(forStatusCode: status) : quoted
    }
}
