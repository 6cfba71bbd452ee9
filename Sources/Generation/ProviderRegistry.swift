import DeskKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The desk's providers, in order of preference, each behind its own concurrency limit.
///
/// An item goes to the first provider that serves its modality for its org; when none does, it
/// fails `UNSUPPORTED_MODALITY` ("no provider serves video for org acme").
public final class ProviderRegistry: Sendable {
    /// One configured provider and the limit on its calls in flight.
    public struct Entry: Sendable {
        /// Its settings from `copydesk.json`.
        public let settings: ProviderSettings
        /// The provider.
        public let provider: any ContentProvider
        /// At most `settings.concurrency` calls in flight, across every batch.
        public let limiter: ConcurrencyLimiter
    }

    /// The providers, most preferred first.
    public let entries: [Entry]

    /// Providers from `settings`; `preferred` (the command line's `--provider`) comes first.
    ///
    /// `preferred` may be `offline` even when the settings do not name it (the built-in one).
    /// Throws `INVALID_REQUEST` for a preferred name that is not configured.
    public init(
        settings: [ProviderSettings], preferred: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(DeskError) {
        var ordered = settings
        if let preferred {
            if let i = ordered.firstIndex(where: { $0.name == preferred }) {
                ordered.insert(ordered.remove(at: i), at: 0)
            } else if preferred == ProviderSettings.offline.name {
                ordered.insert(.offline, at: 0)
            } else {
                let known = (settings.map(\.name) + ["offline"]).joined(separator: ", ")
                throw DeskError(
                    .invalidRequest,
                    "--provider \(preferred): no provider of that name in copydesk.json; known: \(known)",
                    field: "providers")
            }
        }
        entries = ordered.map { s in
            let provider: any ContentProvider
            switch s.kind {
            case .offline: provider = OfflineProvider(name: s.name)
            case .openai: provider = OpenAIProvider(settings: s, environment: environment)
            case .command: provider = CommandProvider(settings: s)
            }
            return Entry(settings: s, provider: provider, limiter: ConcurrencyLimiter(limit: s.concurrency))
        }
    }

    /// A registry with the built-in offline provider only.
    public static let offline: ProviderRegistry = {
        do { return try ProviderRegistry(settings: [.offline]) } catch { fatalError("the offline provider needs nothing") }
    }()

    /// The provider for `modality` in `org`, or the `UNSUPPORTED_MODALITY` error an item gets.
    /// O(providers).
    public func provider(for modality: String, org: String) -> Result<Entry, DeskError> {
        if let entry = entries.first(where: { $0.settings.modalities.contains(modality) && $0.settings.serves(org: org) }) {
            return .success(entry)
        }
        let served = Set(entries.filter { $0.settings.serves(org: org) }.flatMap(\.settings.modalities)).sorted()
        return .failure(
            DeskError(
                .unsupportedModality,
                "no provider serves \(modality) for org \(org)"
                    + (served.isEmpty ? "" : " (served: \(served.joined(separator: ", ")))")
                    + "; add a provider with \"modalities\": [\"\(modality)\"] to copydesk.json",
                field: "modality"))
    }

    /// Calls the provider for the prompt's modality in `org`, within its concurrency limit.
    public func generate(_ prompt: Prompt, org: String) async -> Result<ProviderOutput, DeskError> {
        let entry: Entry
        switch provider(for: prompt.modality, org: org) {
        case .success(let e): entry = e
        case .failure(let error): return .failure(error)
        }
        return await entry.limiter.withPlace {
            do throws(DeskError) {
                return .success(try await entry.provider.generate(prompt))
            } catch {
                return .failure(error)
            }
        }
    }
}

extension ProviderRegistry {
    /// Rejects, with `UNSUPPORTED_MODALITY`, every admitted provider item of `request` whose
    /// modality no provider serves for `org`; the rest of the batch goes on. O(items × providers).
    public func rejectUnserved(_ request: inout BatchRequest, org: String) {
        for i in request.items.indices where request.items[i].rejection == nil && request.items[i].usesProvider {
            if case .failure(var error) = provider(for: request.items[i].modality, org: org) {
                error.field = "items[\(request.items[i].index)].modality"
                request.items[i].rejection = error
            }
        }
    }
}
