#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Timestamp {
    /// Why a text is not an instant copydesk takes: said in words, for an error message
    /// (`February 2025 has 28 days`).
    public struct ParseProblem: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, without the text itself.
        public var description: String

        init(_ description: String) { self.description = description }
    }

    /// Parses ISO 8601 with a zone: `2026-12-01T09:00:00Z`, `…T09:00:00.250+01:00`; `nil` otherwise
    /// (``parse(iso8601:)`` says why).
    public init?(iso8601 text: String) {
        guard case .success(let timestamp) = Self.parse(iso8601: text) else { return nil }
        self = timestamp
    }

    /// Parses ISO 8601 with a zone (RFC 3339): `YYYY-MM-DDTHH:MM:SS`, an optional fraction, then
    /// `Z` or `±HH:MM` (`±HHMM` too; `t`, `z` and a space for `T` are taken).
    ///
    /// Every field is checked against the calendar, not only its digits: the day against its
    /// month's length (29 February only in a leap year: divisible by 4, and by 400 for a
    /// century), the hour 00 to 23, the minute 00 to 59, the second 00 to 59. A leap second
    /// (`23:59:60`) is refused: copydesk counts time as POSIX does, without leap seconds, and a
    /// schedule has no use for one (write `23:59:59` or the next minute's `00`). A zone offset
    /// is 00:00 to 23:59 either way, as RFC 3339 allows (`-00:30` and `+14:00` are fine).
    /// An instant outside 1677-09-21 to 2262-04-11 is refused too: ``nanoseconds`` cannot hold it.
    /// O(length of the text).
    public static func parse(iso8601 text: String) -> Result<Timestamp, ParseProblem> {
        let b = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        let shape = ParseProblem("it is not of the form YYYY-MM-DDTHH:MM:SS with a zone (Z or ±HH:MM)")
        guard b.count >= 19, let year = num(0, 4), b[4] == 0x2D, let month = num(5, 2), b[7] == 0x2D,
            let day = num(8, 2), b[10] == 0x54 || b[10] == 0x74 || b[10] == 0x20, let hour = num(11, 2), b[13] == 0x3A,
            let minute = num(14, 2), b[16] == 0x3A, let second = num(17, 2)
        else { return .failure(shape) }
        guard (1...12).contains(month) else {
            return .failure(ParseProblem("month \(two(month)) does not exist (01 to 12)"))
        }
        let length = daysIn(month: month, year: year)
        guard (1...length).contains(day) else {
            return .failure(
                ParseProblem("\(monthNames[month - 1]) \(year) has \(length) days, so day \(two(day)) does not exist"))
        }
        guard hour <= 23 else { return .failure(ParseProblem("hour \(two(hour)) does not exist (00 to 23)")) }
        guard minute <= 59 else { return .failure(ParseProblem("minute \(two(minute)) does not exist (00 to 59)")) }
        guard second <= 59 else {
            return .failure(
                ParseProblem(
                    "second \(two(second)) does not exist (00 to 59; copydesk takes no leap seconds, write :59 or the next minute)"
                ))
        }
        var i = 19
        var fraction: Int64 = 0
        if i < b.count && b[i] == 0x2E {
            i += 1
            var digits = 0
            while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 {
                if digits < 9 {
                    fraction = fraction * 10 + Int64(b[i] - 0x30)
                    digits += 1
                }
                i += 1
            }
            guard digits > 0 else {
                return .failure(ParseProblem("the fraction of a second after the '.' has no digits"))
            }
            for _ in digits..<9 { fraction *= 10 }
        }
        guard i < b.count else {
            return .failure(ParseProblem("it has no zone: end it with Z or an offset like +01:00"))
        }
        var offset = 0
        if b[i] == 0x5A || b[i] == 0x7A {
            i += 1
        } else if b[i] == 0x2B || b[i] == 0x2D {
            let sign = b[i] == 0x2B ? 1 : -1
            guard let oh = num(i + 1, 2) else { return .failure(shape) }
            var j = i + 3
            if j < b.count && b[j] == 0x3A { j += 1 }
            guard let om = num(j, 2) else { return .failure(shape) }
            guard oh <= 23, om <= 59 else {
                return .failure(
                    ParseProblem(
                        "the zone offset \(sign > 0 ? "+" : "-")\(two(oh)):\(two(om)) does not exist (00:00 to 23:59)"))
            }
            offset = sign * (oh * 3600 + om * 60)
            i = j + 2
        } else {
            return .failure(ParseProblem("it has no zone: end it with Z or an offset like +01:00"))
        }
        guard i == b.count else { return .failure(shape) }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = Int64(timegm(&parts)) - Int64(offset)
        // Nanoseconds in an Int64 reach from 1677 to 2262; a time outside is not one copydesk can
        // hold (a hostile or mistyped year), so it is not a time rather than an overflow.
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow, case let (nanoseconds, false) = scaled.addingReportingOverflow(fraction) else {
            return .failure(ParseProblem("it is outside 1677-09-21 to 2262-04-11, the instants copydesk can hold"))
        }
        return .success(Timestamp(nanoseconds: nanoseconds))
    }

    /// The number of days in `month` (1 to 12) of `year`, by the Gregorian calendar.
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
