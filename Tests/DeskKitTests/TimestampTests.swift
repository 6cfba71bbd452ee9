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

    @Test func printsMillisecondsInUTC() {
        #expect(Timestamp(nanoseconds: 1_795_419_598_527_900_000).iso8601 == "2026-11-23T07:39:58.527Z")
    }

    @Test func theFastFormatterAgreesWithGmtime() {
        var generator = SystemRandomNumberGenerator()
        var instants: [Int64] = [0, -1, 951_782_400_000, 4_107_542_399_999, -2_208_988_800_000]  // 2000-02-29, 2100, 1900
        for _ in 0..<2_000 { instants.append(Int64.random(in: -2_000_000_000_000...8_000_000_000_000, using: &generator)) }
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
