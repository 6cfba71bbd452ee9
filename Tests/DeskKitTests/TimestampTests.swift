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
}
