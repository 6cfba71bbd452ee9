#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An instant on the wall clock, as nanoseconds since the Unix epoch (UTC).
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public var nanoseconds: Int64

    /// The instant `nanoseconds` after the epoch.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The instant `seconds` after the epoch.
    public init(seconds: Double) { self.nanoseconds = Int64((seconds * 1e9).rounded()) }

    /// Seconds since the epoch.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.nanoseconds < b.nanoseconds }

    /// The instant `seconds` later.
    public func adding(seconds: Double) -> Timestamp {
        Timestamp(nanoseconds: nanoseconds + Int64((seconds * 1e9).rounded()))
    }

    /// ISO 8601 in UTC with milliseconds: `2026-11-23T09:00:00.000Z`.
    public var iso8601: String {
        var secs = time_t(nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000)
        let millis = Int((nanoseconds - Int64(secs) * 1_000_000_000) / 1_000_000)
        var parts = tm()
        gmtime_r(&secs, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        let ms = String(millis)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 3 - ms.count) + ms + "Z"
    }

    /// Appends ``iso8601`` to `output` without building a string (days from the epoch to the
    /// civil date by arithmetic, no `gmtime`): for writers of large documents. O(1).
    public func appendISO8601(to output: inout [UInt8]) {
        let millis = nanoseconds >= 0 ? nanoseconds / 1_000_000 : (nanoseconds - 999_999) / 1_000_000
        var days = millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000
        let msOfDay = millis - days * 86_400_000
        // Howard Hinnant's civil_from_days.
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func digits(_ value: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var v = value
            while divisor > 0 {
                output.append(UInt8(0x30 + (v / divisor) % 10))
                v %= divisor
                divisor /= 10
            }
        }
        digits(year, 4)
        output.append(0x2D)
        digits(month, 2)
        output.append(0x2D)
        digits(day, 2)
        output.append(0x54)
        digits(msOfDay / 3_600_000, 2)
        output.append(0x3A)
        digits(msOfDay / 60_000 % 60, 2)
        output.append(0x3A)
        digits(msOfDay / 1_000 % 60, 2)
        output.append(0x2E)
        digits(msOfDay % 1_000, 3)
        output.append(0x5A)
    }

    /// ISO 8601 in UTC, with milliseconds only when there are some: `2026-11-23T09:00:00Z`,
    /// `2026-11-23T09:33:20.500Z` (the shape of the public APIs copydesk answers in).
    public var iso8601Seconds: String {
        let full = iso8601
        return full.hasSuffix(".000Z") ? String(full.dropLast(5)) + "Z" : full
    }

    public var description: String { iso8601 }
}

/// Where copydesk reads time from: injected, so tests control it.
///
/// `now` is the wall clock (for timestamps written to files); `uptimeNanoseconds` is a monotonic
/// clock (for durations and stability windows, immune to clock steps and to remote clocks).
public protocol DeskClock: Sendable {
    /// The current wall-clock instant.
    func now() -> Timestamp
    /// A monotonic reading in nanoseconds, comparable only with other readings of this clock.
    func uptimeNanoseconds() -> UInt64
}

/// The real clocks: `clock_gettime(CLOCK_REALTIME)` and `clock_gettime(CLOCK_MONOTONIC)`.
public struct SystemClock: DeskClock {
    /// The system clock.
    public init() {}

    public func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(nanoseconds: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
    }

    public func uptimeNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
