import DeskKit
import Foundation
import Generation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

struct BanditStoreTests {
    static let today = "2026-11-23T10:00:00Z"

    static func lines(_ lines: [String]) -> [UInt8] { Array((lines.joined(separator: "\n") + "\n").utf8) }

    /// A store with deliveries m1 → (t, a) and m2 → (t, b), made durable.
    static func store(_ layout: DeskLayout) throws -> BanditStore {
        let store = BanditStore(layout: layout)
        store.record(.init(templateID: "t", copyID: "a"), org: "default", trackingID: "m1", at: now)
        store.record(.init(templateID: "t", copyID: "b"), org: "default", trackingID: "m2", at: now)
        _ = store.claimSticky(
            org: "default", userID: "u", templateID: "t", proposed: "b", eligible: { $0 == "b" }, at: now)
        try store.sync()
        return store
    }

    @Test func aTemplateIDThatIsNoFileNameNeverNamesACountersFile() throws {
        let layout = try temporaryLayout()
        let store = BanditStore(layout: layout)
        let day = DayIndex.of(Timestamp(iso8601: Self.today)!)
        let events = ["../../../escaped", "/tmp/escaped", "t"].map {
            BanditStore.CountedEvent(delivery: .init(templateID: $0, copyID: "a"), kind: .click, day: day)
        }
        let outcome = try store.apply(events, digest: "d1", org: "default")
        #expect(outcome.counted == 1)
        #expect(outcome.skipped == 2)
        let counters = layout.bandit(org: "default") + "/counters"
        #expect(try FileSystem.entries(of: counters).map(\.name).filter { !$0.hasPrefix(".") } == ["t.json"])
        #expect(!FileSystem.exists(layout.root + "/escaped.json"))
        #expect(!FileSystem.exists("/tmp/escaped.json"))
    }

    @Test(arguments: [true, false])
    func aCountersFileThatIsNotCountersIsNeverOverwritten(seenAtLoad: Bool) throws {
        let layout = try temporaryLayout()
        let folder = layout.bandit(org: "default") + "/counters"
        try FileSystem.createDirectory(folder)
        let store = BanditStore(layout: layout)
        if !seenAtLoad { _ = store.counters(org: "default", templateID: "t") }  // the org loads without it
        let damaged = Array(#"{"template": "t", "variants": {"a": [[1, 2, 3]"#.utf8)
        try AtomicFile.write(damaged, to: folder + "/t.json")
        if seenAtLoad { _ = store.counters(org: "default", templateID: "t") }
        #expect {
            try store.apply(SharedBanditStoreTests.events("a", 3), digest: "d1", org: "default")
        } throws: { ($0 as? Errno)?.code == EBADMSG }
        #expect(try FileSystem.readFile(folder + "/t.json") == damaged)
    }

    @Test func goodLinesCountAndBadLinesAreReportedWithTheirNumbers() throws {
        let layout = try temporaryLayout()
        try writeTemplate(
            #"{"id": "t", "approved": true, "variants": [{"id": "a", "vars": {}}, {"id": "b", "vars": {}}]}"#, id: "t",
            in: layout)
        let store = try Self.store(layout)
        let bytes = Self.lines([
            #"{"tracking_id": "m1", "type": "impression", "at": "2026-11-22T10:00:00Z"}"#,
            #"{"tracking_id": "m1", "type": "conversion", "at": "2026-11-22T11:00:00Z"}"#,
            #"{"tracking_id": "zz", "type": "impression", "at": "2026-11-22T10:00:00Z"}"#,
            #"{"tracking_id": "m2", "type": "purchase", "at": "2026-11-22T10:00:00Z"}"#,
            "",
            #"{"tracking_id": "m2", "type": "click", "at": 1795255200}"#,
            #"{"tracking_id": "m2", "type": "click""#,
            #"{"template_id": "t", "copy_id": "b", "type": "impression", "at": "2026-11-21T10:00:00+02:00"}"#,
            #"{"template_id": "t", "copy_id": "c", "type": "impression", "at": "2026-11-21T10:00:00Z"}"#,
            #"{"tracking_id": "m1", "copy_id": "b", "type": "click", "at": "2026-11-21T10:00:00Z"}"#,
            #"{"tracking_id": "m1", "type": "click", "at": "2027-11-21T10:00:00Z"}"#,
            #"{"type": "click", "at": "2026-11-21T10:00:00Z"}"#,
            #"{"tracking_id": "m1", "type": "click"}"#,
        ])
        let report = try store.ingest(
            bytes, digest: SHA256.hexDigest(bytes), org: "default", templates: TemplateStore(layout: layout), now: now)
        #expect(report.events == 12)
        #expect(report.counted == 4)
        #expect(report.badLines.map(\.position) == [3, 4, 7, 9, 10, 11, 12, 13])
        #expect(
            report.badLines.map(\.error.code.rawValue) == [
                "NOT_FOUND", "INVALID_EVENT", "INVALID_JSON", "NOT_FOUND", "INVALID_EVENT", "INVALID_EVENT",
                "INVALID_EVENT",
                "INVALID_EVENT",
            ])
        #expect(report.badLines[0].error.message.contains("unknown tracking_id 'zz'"))
        #expect(report.badLines[4].error.message.contains("does not match"))
        #expect(report.badLines[5].error.message.contains("future"))
        let json = report.json
        #expect(json["errors"]?[0]?["line"] == 3)
        #expect(json["rejected"] == 8)
        let counters = try #require(store.counters(org: "default", templateID: "t"))
        let all = DayIndex.of(now) - 10...DayIndex.of(now)
        #expect(counters.variants["a"]?.total(in: all) == EventCounts(impressions: 1, clicks: 0, conversions: 1))
        #expect(counters.variants["b"]?.total(in: all) == EventCounts(impressions: 1, clicks: 1, conversions: 0))
        #expect(counters.variants["a"]?.days.keys.map(DayIndex.date) == ["2026-11-22"])
    }

    @Test func unknownKeysOfAnEventAreIgnoredAndItsKnownOnesStillChecked() throws {
        let layout = try temporaryLayout()
        let store = try Self.store(layout)
        // A CRM export carries its own columns beside the event's.
        let bytes = Self.lines([
            #"{"tracking_id": "m1", "type": "click", "at": "2026-11-22T10:00:00Z", "email": "jane@example.com", "campaign": {"id": 7}, "source": null}"#,
            #"{"template_id": "t", "copy_id": "b", "type": "conversion", "at": 1795255200, "Revenue": 12.5}"#,
            #"{"tracking_id": "m1", "type": "click", "at": "yesterday", "email": "jane@example.com"}"#,
            #"{"tracking_id": "m2", "type": "open", "utm_source": "mail"}"#,
        ])
        let report = try store.ingest(bytes, digest: SHA256.hexDigest(bytes), org: "default", templates: nil, now: now)
        #expect(report.counted == 2)
        #expect(report.badLines.map(\.position) == [3, 4])
        #expect(report.badLines.map(\.error.field) == ["at", "type"])
        let counters = try #require(store.counters(org: "default", templateID: "t"))
        let all = DayIndex.of(now) - 10...DayIndex.of(now)
        #expect(counters.variants["a"]?.total(in: all) == EventCounts(clicks: 1))
        #expect(counters.variants["b"]?.total(in: all) == EventCounts(conversions: 1))
    }

    @Test func aFileCountsOnceEvenWhenAppliedAgainOrAfterARestart() throws {
        let layout = try temporaryLayout()
        let store = try Self.store(layout)
        let bytes = Self.lines([
            #"{"tracking_id": "m1", "type": "impression", "at": "2026-11-22T10:00:00Z"}"#,
            #"{"template_id": "u", "copy_id": "x", "type": "impression", "at": "2026-11-22T10:00:00Z"}"#,
        ])
        let digest = SHA256.hexDigest(bytes)
        let first = try store.ingest(bytes, digest: digest, org: "default", templates: nil, now: now)
        #expect(first.counted == 2 && first.alreadyCounted == 0)
        #expect(first.templates == ["t", "u"])
        let again = try store.ingest(bytes, digest: digest, org: "default", templates: nil, now: now)
        #expect(again.counted == 0 && again.alreadyCounted == 2)
        // A restart reads the counters and the deliveries back; the file still counts once.
        let restarted = BanditStore(layout: layout)
        let replay = try restarted.ingest(bytes, digest: digest, org: "default", templates: nil, now: now)
        #expect(replay.counted == 0 && replay.alreadyCounted == 2)
        #expect(restarted.counters(org: "default", templateID: "t") == store.counters(org: "default", templateID: "t"))
        // A crash after template t's counters were written but before u's: the replay counts u only.
        let path = layout.bandit(org: "default") + "/counters/u.json"
        try FileSystem.remove(path)
        let crashed = BanditStore(layout: layout)
        let resumed = try crashed.ingest(bytes, digest: digest, org: "default", templates: nil, now: now)
        #expect(resumed.counted == 1 && resumed.alreadyCounted == 1)
        #expect(resumed.templates == ["u"])
        let day = DayIndex.parse("2026-11-22")!
        #expect(crashed.counters(org: "default", templateID: "t")?.variants["a"]?.days[day]?.impressions == 1)
        #expect(crashed.counters(org: "default", templateID: "u")?.variants["x"]?.days[day]?.impressions == 1)
    }

    @Test func deliveriesSurviveATornLastLineAndAnotherProcessesAppends() throws {
        let layout = try temporaryLayout()
        _ = try Self.store(layout)
        let log = layout.bandit(org: "default") + "/deliveries.jsonl"
        // A crash in the middle of an append leaves half a line.
        let fd = open(log, O_WRONLY | O_APPEND | O_CLOEXEC)
        _ = write(fd, "{\"tracking_id\": \"m3\", \"templ", 29)
        close(fd)
        let restarted = BanditStore(layout: layout)
        let m1 = BanditEvent(trackingID: "m1", kind: .impression, at: now)
        #expect(try restarted.resolve(m1, org: "default", templates: nil).get() == .init(templateID: "t", copyID: "a"))
        // Another process delivers m4 after this one read the log: an events file still finds it.
        let other = BanditStore(layout: layout)
        other.record(.init(templateID: "t", copyID: "b"), org: "default", trackingID: "m4", at: now)
        try other.sync()
        let bytes = Self.lines([#"{"tracking_id": "m4", "type": "click", "at": "2026-11-22T10:00:00Z"}"#])
        let report = try restarted.ingest(
            bytes, digest: SHA256.hexDigest(bytes), org: "default", templates: nil, now: now)
        #expect(report.counted == 1 && report.badLines.isEmpty)
        // Sticky assignments are durable too.
        #expect(restarted.stickyVariant(org: "default", userID: "u", templateID: "t") == "b")
    }

    @Test func aJSONArrayIsAcceptedAndReportsIndexes() throws {
        let layout = try temporaryLayout()
        let store = try Self.store(layout)
        let bytes = Array(
            #"[{"tracking_id": "m1", "type": "impression", "at": "2026-11-22T10:00:00Z"}, {"tracking_id": "m1"}]"#.utf8)
        let report = try store.ingest(bytes, digest: SHA256.hexDigest(bytes), org: "default", templates: nil, now: now)
        #expect(report.isArray)
        #expect(report.counted == 1)
        #expect(report.json["errors"]?[0]?["index"] == 1)
    }

    @Test func countersFilesRoundTrip() throws {
        var c = counters("t", ["a": (5, 1), "b": (7, 2)], days: 20_000...20_010)
        c.markApplied("abc")
        let back = try #require(TemplateCounters(json: try JSONValue.parse(c.json.serialized())))
        #expect(back == c)
        #expect(back.hasApplied("abc"))
        #expect(back.variants["b"]?.total(in: 20_005...20_006) == EventCounts(impressions: 14, conversions: 4))
    }
}
