import DeskKit
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// When a provider call is tried again, and how long it waits first.
///
/// Retried: a 429, a 5xx and a connection error, at most `maxRetries` times. The wait before
/// retry *n* (1-based) is exponential with equal jitter: half of `min(maxBackoff, backoff × 2ⁿ⁻¹)`
/// plus a random part of the other half, so concurrent callers spread out but always wait a
/// little. A `Retry-After` header (seconds, or an HTTP date) replaces that delay, capped at
/// `maxBackoff` as well.
public struct RetryPolicy: Sendable {
    /// Sleeps for a number of seconds; throws when the task is cancelled.
    public typealias Sleeper = @Sendable (Double) async throws -> Void

    /// Retries after the first attempt.
    public var maxRetries: Int
    /// The first backoff delay.
    public var backoff: Double
    /// The longest delay, `Retry-After` included.
    public var maxBackoff: Double
    /// A number in [0, 1), the jitter's source.
    public var random: @Sendable () -> Double
    /// How the policy waits (`Task.sleep` by default; tests record the delays instead).
    public var sleep: Sleeper

    /// A policy from a provider's settings.
    public init(
        settings: ProviderSettings, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        sleep: @escaping Sleeper = RetryPolicy.taskSleep
    ) {
        maxRetries = max(0, settings.maxRetries)
        backoff = settings.backoffSeconds
        maxBackoff = settings.maxBackoffSeconds
        self.random = random
        self.sleep = sleep
    }

    /// Sleeps with `Task.sleep`, never blocking a thread.
    public static let taskSleep: Sleeper = { seconds in
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
    }

    /// Whether an HTTP status is worth another attempt: 429 and 5xx.
    public static func isRetryable(status: Int) -> Bool { status == 429 || (500...599).contains(status) }

    /// The wait before retry `retry` (1-based), given the answer's `Retry-After` (if any).
    public func delay(beforeRetry retry: Int, retryAfter: String? = nil, now: Date = Date()) -> Double {
        if let retryAfter, let seconds = Self.seconds(retryAfter: retryAfter, now: now) {
            return min(max(seconds, 0), maxBackoff)
        }
        let exponent = Double(min(max(retry - 1, 0), 62))
        let ceiling = min(maxBackoff, backoff * pow(2, exponent))
        return ceiling / 2 + ceiling / 2 * min(max(random(), 0), 1)
    }

    /// The seconds a `Retry-After` value asks for: a number of seconds, or an HTTP date
    /// (`Sun, 06 Nov 1994 08:49:37 GMT`) less `now`. `nil` when it is neither.
    public static func seconds(retryAfter value: String, now: Date = Date()) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text), seconds.isFinite { return seconds }
        guard let date = httpDate(text) else { return nil }
        return date.timeIntervalSince(now)
    }

    /// Reads an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`; the weekday may be left out).
    static func httpDate(_ text: String) -> Date? {
        var words = text.split(separator: " ").map(String.init)
        if let first = words.first, first.hasSuffix(",") { words.removeFirst() }
        guard words.count == 5, words[4] == "GMT" || words[4] == "UTC",
            let day = Int(words[0]), (1...31).contains(day),
            let month = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
                .firstIndex(of: words[1].lowercased()),
            let year = Int(words[2]), (1970...9999).contains(year)
        else { return nil }
        let clock = words[3].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (0...23).contains(clock[0]), (0...59).contains(clock[1]), (0...60).contains(clock[2])
        else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(clock[0])
        parts.tm_min = Int32(clock[1])
        parts.tm_sec = Int32(clock[2])
        return Date(timeIntervalSince1970: Double(timegm(&parts)))
    }
}
