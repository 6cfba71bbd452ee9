import DeskKit
import Testing

struct TimestampTests {
    @Test(arguments: [
        ("2026-11-23T07:39:58.527Z", 1_795_419_598_527),
        ("2026-11-23T08:39:58.527+01:00", 1_795_419_598_527),
        ("1970-01-01T00:00:00Z", 0),
    ])
    func parsesISO8601WithAZone(text: String, milliseconds: Int64) throws {
        let timestamp = try #require(Timestamp(iso8601: text))
        #expect(timestamp.nanoseconds / 1_000_000 == milliseconds)
    }

    @Test(arguments: ["2026-11-23", "2026-11-23T07:39:58", "2026-13-01T00:00:00Z", "soon"])
    func rejectsWhatIsNotAnInstant(text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    /// The edges of the calendar that exist parse, to the right instant.
    @Test(arguments: [
        ("2024-02-29T12:00:00Z", 1_709_208_000_000),  // a leap year
        ("2000-02-29T00:00:00Z", 951_782_400_000),  // a century divisible by 400
        ("2025-04-30T09:00:00Z", 1_746_003_600_000),  // the last day of a 30-day month
        ("2025-12-31T23:59:59Z", 1_767_225_599_000),
        ("2025-01-20T23:00:00+14:00", 1_737_363_600_000),  // Kiribati
        ("2025-01-20T09:00:00-00:30", 1_737_365_400_000),
        ("2025-01-20T09:00:00+23:59", 1_737_277_260_000),  // RFC 3339's widest offsets
        ("2025-01-20T09:00:00-23:59", 1_737_449_940_000),
    ])
    func theEdgesOfTheCalendarParse(text: String, milliseconds: Int64) throws {
        let timestamp = try #require(Timestamp(iso8601: text))
        #expect(timestamp.nanoseconds / 1_000_000 == milliseconds)
    }

    /// A time whose digits are well formed but which does not exist is refused, and the problem
    /// says which field is wrong (timegm alone would roll 31 February over into March).
    @Test(arguments: [
        ("2025-02-31T09:00:00Z", "February 2025 has 28 days"),
        ("2025-02-29T09:00:00Z", "February 2025 has 28 days"),
        ("1900-02-29T09:00:00Z", "February 1900 has 28 days"),  // a century not divisible by 400
        ("2025-04-31T09:00:00Z", "April 2025 has 30 days"),
        ("2025-01-00T09:00:00Z", "day 00 does not exist"),
        ("2025-00-10T09:00:00Z", "month 00 does not exist"),
        ("2025-13-10T09:00:00Z", "month 13 does not exist"),
        ("2025-01-20T24:00:00Z", "hour 24 does not exist"),
        ("2025-01-20T12:60:00Z", "minute 60 does not exist"),
        ("2025-01-20T12:00:60Z", "no leap seconds"),
        ("2016-12-31T23:59:60Z", "no leap seconds"),
        ("2025-01-20T09:00:00+25:99", "offset +25:99 does not exist"),
        ("2025-01-20T09:00:00+24:00", "offset +24:00 does not exist"),
        ("2025-01-20T09:00:00-01:60", "offset -01:60 does not exist"),
        ("2025-01-20T09:00:00", "no zone"),
        ("2025-01-20T09:00:00.Z", "no digits"),
        ("2025-01-20 9:00:00Z", "YYYY-MM-DDTHH:MM:SS"),
        ("2262-04-11T23:47:17Z", "outside 1677-09-21 to 2262-04-11"),
    ])
    func anImpossibleTimeIsRefusedWithItsReason(text: String, reason: String) {
        #expect(Timestamp(iso8601: text) == nil)
        guard case .failure(let problem) = Timestamp.parse(iso8601: text) else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(problem.description.contains(reason), "\(problem)")
    }

    @Test func printsMillisecondsInUTC() {
        #expect(Timestamp(nanoseconds: 1_795_419_598_527_900_000).iso8601 == "2026-11-23T07:39:58.527Z")
    }

    @Test func theFastFormatterAgreesWithGmtime() {
        var generator = SystemRandomNumberGenerator()
        var instants: [Int64] = [0, -1, 951_782_400_000, 4_107_542_399_999, -2_208_988_800_000]  // 2000-02-29, 2100, 1900
        for _ in 0..<2_000 {
            instants.append(Int64.random(in: -2_000_000_000_000...8_000_000_000_000, using: &generator))
        }
        for millis in instants {
            let t = Timestamp(nanoseconds: millis * 1_000_000 + 123_456)
            var bytes: [UInt8] = []
            t.appendISO8601(to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == t.iso8601, "\(millis)")
        }
        #expect(Timestamp(iso8601: "2025-01-20T09:33:20Z")!.iso8601Seconds == "2025-01-20T09:33:20Z")
        #expect(Timestamp(iso8601: "2025-01-20T09:33:20.5Z")!.iso8601Seconds == "2025-01-20T09:33:20.500Z")
    }

    /// Found by Scripts/fuzz (waldium, events): a year whose nanoseconds overflow an Int64 trapped.
    @Test(arguments: ["1012-01-20T14:00:00Z", "2262-04-11T23:47:17Z", "9999-12-31T23:59:59.999999999-23:59"])
    func aTimeOutsideTheRangeOfNanosecondsIsNotATime(_ text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    @Test func theEdgesOfTheRangeStillParse() {
        #expect(Timestamp(iso8601: "1678-01-01T00:00:00Z") != nil)
        #expect(Timestamp(iso8601: "2262-04-11T23:47:16Z") != nil)
    }
}
