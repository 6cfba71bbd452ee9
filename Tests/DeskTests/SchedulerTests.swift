import Desk
import DeskKit
import Foundation
import Testing

/// A desk on a clock the test sets, driven by `processOnce` (the code path of `copydesk
/// process`): every pass does what is due at the clock's instant, nothing sleeps.
final class ScheduledDesk: @unchecked Sendable {
    let layout: DeskLayout
    let clock: TestClock
    private(set) var desk: Desk
    let config: String?

    init(at start: String, config: String? = nil) throws {
        layout = try temporaryLayout()
        clock = TestClock(Timestamp(iso8601: start)!)
        self.config = config
        if let config { try AtomicFile.write(Array(config.utf8), to: layout.root + "/copydesk.json") }
        try FileSystem.createDirectory(layout.templates(org: "default"))
        try AtomicFile.write(
            Array(
                #"{"id": "hello", "approved": true, "variants": [{"id": "a", "vars": {"greeting": "Hello {{ name }}"}}]}"#
                    .utf8), to: layout.templates(org: "default") + "/hello.json")
        desk = try Desk(root: layout.root, logger: .silent, clock: clock, randomSeed: 7)
    }

    /// Sets the clock to `time` (ISO 8601).
    func set(_ time: String) { clock.set(Timestamp(iso8601: time)!) }

    /// Drops a request; its mtime is set long before the test clock, so the scan takes it.
    @discardableResult
    func drop(_ text: String, as name: String) throws -> String {
        let path = layout.inbox + "/" + name
        try AtomicFile.write(Array(text.utf8), to: path)
        var times = [timespec(tv_sec: 946_684_800, tv_nsec: 0), timespec(tv_sec: 946_684_800, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, path, &times, 0)
        return BatchID.make(name: name, hexDigest: SHA256.hexDigest(Array(text.utf8)))
    }

    /// One pass at the clock's instant.
    @discardableResult
    func pass() async throws -> PassSummary { try await desk.processOnce() }

    /// A new process on the same desk (what a restart after a crash sees).
    func restart() throws { desk = try Desk(root: layout.root, logger: .silent, clock: clock, randomSeed: 7) }

    func json(_ path: String) throws -> JSONValue { try JSONValue.parse(try FileSystem.readFile(path)!) }
    func status(_ batch: String) throws -> JSONValue { try json(layout.status(org: "default", batchID: batch)) }
    func result(_ batch: String) throws -> JSONValue { try json(layout.result(org: "default", batchID: batch)) }

    /// The published files of `batch`, sorted.
    func published(_ batch: String) -> [String] {
        ((try? FileSystem.entries(of: layout.published(org: "default", batchID: batch))) ?? []).map(\.name)
            .filter { !$0.hasPrefix(".") }.sorted()
    }

    func progress(_ batch: String, _ state: String) throws -> Int {
        try status(batch)["progress"]?[state]?.intValue ?? -1
    }

    /// The journal's lines, parsed.
    func journal(_ batch: String) -> [JSONValue] {
        guard let bytes = try? FileSystem.readFile(layout.itemJournal(org: "default", batchID: batch)) else {
            return []
        }
        return JSONValue.parseLines(bytes).compactMap { try? $0.result.get() }
    }
}

/// The waldium example of the seed, with `count` posts.
func waldium(_ schedule: String, count: Int, extra: String = "") -> String {
    let posts = (1...count).map { #"{"topic": "Topic number \#($0)"\#(extra)}"# }.joined(separator: ", ")
    return
        #"{"schedule": \#(schedule), "defaults": {"category": "Technology", "tags": ["AI", "Tutorial"], "tone": "professional"}, "posts": [\#(posts)]}"#
}

let tenPosts = #"{"strategy": "distribute", "startTime": "2025-01-20T09:00:00Z", "endTime": "2025-01-20T14:00:00Z"}"#

@Suite struct SchedulerTests {
    @Test func theTenPostExampleIsPublishedAtExactlyTheDocumentedTimes() async throws {
        let desk = try ScheduledDesk(at: "2025-01-20T06:00:00Z")
        let batch = try desk.drop(waldium(tenPosts, count: 10), as: "campaign.json")
        try await desk.pass()
        let result = try desk.result(batch)
        #expect(result["message"] == "Batch created successfully")
        #expect(result["batch"]?["totalPosts"] == 10)
        #expect(result["batch"]?["scheduleStrategy"] == "distribute")
        let times = (result["scheduledPosts"]?.arrayValue ?? []).compactMap { $0["scheduledFor"]?.stringValue }
        #expect(
            times == [
                "2025-01-20T09:00:00Z", "2025-01-20T09:33:20Z", "2025-01-20T10:06:40Z", "2025-01-20T10:40:00Z",
                "2025-01-20T11:13:20Z", "2025-01-20T11:46:40Z", "2025-01-20T12:20:00Z", "2025-01-20T12:53:20Z",
                "2025-01-20T13:26:40Z", "2025-01-20T14:00:00Z",
            ])
        #expect(result["scheduledPosts"]?[0]?["id"] == "sched_1")
        #expect(result["site"]?["id"] == "default")
        #expect(result["warnings"] == nil)
        var status = try desk.status(batch)
        #expect(status["id"]?.stringValue == batch)
        #expect(status["status"] == "pending")
        #expect(status["nextPublishTime"] == "2025-01-20T09:00:00Z")
        #expect(try desk.progress(batch, "pending") == 10)

        // Generated two hours ahead (the default lead), not before.
        desk.set("2025-01-20T06:59:59Z")
        try await desk.pass()
        #expect(try desk.progress(batch, "generated") == 0)
        desk.set("2025-01-20T07:00:00Z")
        try await desk.pass()
        #expect(try desk.progress(batch, "generated") == 1)
        #expect(desk.published(batch).isEmpty)

        // Published at the due instant, not a nanosecond before.
        desk.set("2025-01-20T08:59:59.999Z")
        try await desk.pass()
        #expect(desk.published(batch).isEmpty)
        desk.set("2025-01-20T09:00:00Z")
        try await desk.pass()
        #expect(desk.published(batch) == ["sched_1.md"])
        status = try desk.status(batch)
        #expect(status["status"] == "processing")
        #expect(status["nextPublishTime"] == "2025-01-20T09:33:20Z")
        #expect(try desk.progress(batch, "generated") == 3)  // due by 11:00
        desk.set("2025-01-20T09:33:19Z")
        try await desk.pass()
        #expect(desk.published(batch).count == 1)
        desk.set("2025-01-20T09:33:20Z")
        try await desk.pass()
        #expect(desk.published(batch) == ["sched_1.md", "sched_2.md"])

        let post = String(
            decoding: try FileSystem.readFile(
                desk.layout.published(org: "default", batchID: batch) + "/sched_2.md")!, as: UTF8.self)
        #expect(post.hasPrefix("---\ntitle: \"Topic Number 2\"\n"))
        #expect(post.contains("\ncategory: \"Technology\"\n"))
        #expect(post.contains("\ntags: [\"AI\", \"Tutorial\"]\n"))
        #expect(post.contains("\ndate: 2025-01-20T09:33:20Z\n"))
        #expect(post.contains("\nprovider: offline\n"))
        #expect(post.contains("\n# Topic Number 2\n"))

        desk.set("2025-01-20T14:00:00Z")
        try await desk.pass()
        #expect(desk.published(batch).count == 10)
        status = try desk.status(batch)
        #expect(status["status"] == "completed")
        #expect(status["nextPublishTime"] == .null)
        #expect(try desk.progress(batch, "published") == 10)
        #expect(!FileSystem.exists(desk.layout.scheduleMarker(org: "default", batchID: batch)))
        #expect(!FileSystem.exists(desk.layout.itemJournal(org: "default", batchID: batch)))
        // The creation response stays the result.
        #expect(try desk.result(batch)["message"] == "Batch created successfully")
    }

    @Test func burstAtTenPerHourIsSixMinutesApart() async throws {
        let desk = try ScheduledDesk(at: "2025-01-20T08:00:00Z")
        let batch = try desk.drop(
            waldium(#"{"strategy": "burst", "startTime": "2025-01-20T09:00:00Z", "postsPerHour": 10}"#, count: 20),
            as: "burst.json")
        try await desk.pass()
        let times = (try desk.result(batch)["scheduledPosts"]?.arrayValue ?? []).compactMap {
            $0["scheduledFor"]?.stringValue.flatMap(Timestamp.init(iso8601:))
        }
        #expect(times.count == 20)
        #expect(times.first == Timestamp(iso8601: "2025-01-20T09:00:00Z"))
        for (a, b) in zip(times, times.dropFirst()) { #expect(b.nanoseconds - a.nanoseconds == 360_000_000_000) }
        #expect(try desk.result(batch)["batch"]?["postsPerHour"] == 10)
        desk.set("2025-01-20T09:05:59Z")
        try await desk.pass()
        #expect(desk.published(batch).count == 1)
        desk.set("2025-01-20T09:06:00Z")
        try await desk.pass()
        #expect(desk.published(batch).count == 2)
        desk.set("2025-01-20T10:54:00Z")
        try await desk.pass()
        #expect(desk.published(batch).count == 20)
    }

    @Test func aCancelInTheMiddleLeavesThePublishedItemsAlone() async throws {
        let desk = try ScheduledDesk(at: "2025-01-20T06:00:00Z")
        let batch = try desk.drop(waldium(tenPosts, count: 10), as: "campaign.json")
        try await desk.pass()
        desk.set("2025-01-20T10:06:40Z")
        try await desk.pass()
        #expect(desk.published(batch).count == 3)
        let before = try desk.published(batch).map {
            try FileSystem.readFile(desk.layout.published(org: "default", batchID: batch) + "/" + $0)!
        }

        let cancel = try desk.drop(#"{"cancel": "\#(batch)"}"#, as: "stop.json")
        let summary = try await desk.pass()
        #expect(summary.cancels == 1)
        let answer = try desk.result(cancel)
        #expect(answer["message"] == "Batch cancelled successfully")
        #expect(answer["cancelledPosts"] == 7)
        var status = try desk.status(batch)
        #expect(status["status"] == "cancelled")
        #expect(status["nextPublishTime"] == .null)
        #expect(try desk.progress(batch, "published") == 3)
        #expect(try desk.progress(batch, "cancelled") == 7)
        #expect(FileSystem.exists(desk.layout.archive(org: "default") + "/\(cancel).json"))

        // Later instants publish nothing more, and the published files are untouched.
        desk.set("2025-01-20T15:00:00Z")
        try await desk.pass()
        #expect(desk.published(batch).count == 3)
        let after = try desk.published(batch).map {
            try FileSystem.readFile(desk.layout.published(org: "default", batchID: batch) + "/" + $0)!
        }
        #expect(before == after)
        status = try desk.status(batch)
        #expect(status["status"] == "cancelled")

        // Cancelling again, or an unknown batch.
        try desk.drop(#"{"cancel": "\#(batch)"}"#, as: "stop-again.json")
        try desk.drop(#"{"cancel": "nope-12345678"}"#, as: "stop-nope.json")
        let again = try await desk.pass()
        #expect(again.cancels == 1 && again.rejected == 1)
        let error = try desk.json(desk.layout.rejected(org: "default") + "/stop-nope.json.error.json")
        #expect(error["code"] == "NOT_FOUND")
    }

    @Test func aRestartPublishesOverdueItemsAtOnceInDueOrderEachExactlyOnce() async throws {
        let desk = try ScheduledDesk(at: "2025-01-20T06:00:00Z")
        let batch = try desk.drop(waldium(tenPosts, count: 10), as: "campaign.json")
        try await desk.pass()
        desk.set("2025-01-20T09:40:00Z")
        try await desk.pass()
        #expect(desk.published(batch).count == 2)
        let second = try FileSystem.readFile(desk.layout.published(org: "default", batchID: batch) + "/sched_2.md")!

        // A crash between writing sched_2.md and journaling it: the journal loses its line.
        let path = desk.layout.itemJournal(org: "default", batchID: batch)
        var lines = String(decoding: try FileSystem.readFile(path)!, as: UTF8.self).split(separator: "\n")
        let last = lines.lastIndex { $0.contains(#""index":1,"status":"published""#) }!
        lines.remove(at: last)
        try AtomicFile.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: path)

        // The machine slept through most of the window.
        desk.set("2025-01-20T13:00:00Z")
        try desk.restart()
        try await desk.pass()
        #expect(desk.published(batch).count == 8)  // every item due by 12:53:20
        #expect(
            try FileSystem.readFile(desk.layout.published(org: "default", batchID: batch) + "/sched_2.md")! == second)
        let published = desk.journal(batch).filter { $0["status"] == "published" }.compactMap { $0["index"]?.intValue }
        #expect(published == Array(0..<8), "in due order, each once")

        desk.set("2025-01-20T14:00:00Z")
        try desk.restart()
        try await desk.pass()
        #expect(desk.published(batch).count == 10)
        #expect(try desk.status(batch)["status"] == "completed")
    }

    @Test func nativeSchedulesPublishCopyAndDraftsStopAtGenerated() async throws {
        let desk = try ScheduledDesk(at: "2025-01-20T06:00:00Z", config: #"{"schedule": {"lead_seconds": 60}}"#)
        let items = (0..<3).map { #"{"id": "row-\#($0)", "fields": {"name": "N\#($0)"}}"# }.joined(separator: ",")
        let schedule = #"{"strategy": "distribute", "start": "2025-01-20T09:00:00Z", "end": "2025-01-20T10:00:00Z"}"#
        let live = try desk.drop(
            #"{"template_id": "hello", "schedule": \#(schedule), "items": [\#(items), {"id": "bad", "template_id": "nope"}]}"#,
            as: "live.json")
        let draft = try desk.drop(
            #"{"template_id": "hello", "publish": false, "schedule": \#(schedule), "items": [\#(items)]}"#,
            as: "draft.json")
        let summary = try await desk.pass()
        #expect(summary.scheduled == 2)
        #expect(!FileSystem.exists(desk.layout.result(org: "default", batchID: live)), "native answers when finished")
        var status = try desk.status(live)
        #expect(status["schedule"]?["strategy"] == "distribute")
        #expect(status["items"]?[1]?["scheduled_for"] == "2025-01-20T09:20:00.000Z")
        #expect(status["next_publish_time"] == "2025-01-20T09:00:00.000Z")

        desk.set("2025-01-20T08:59:00Z")  // the lead is a minute
        try await desk.pass()
        #expect(try desk.progress(live, "generated") == 1)
        desk.set("2025-01-20T09:00:00Z")
        try await desk.pass()
        #expect(desk.published(live) == ["row-0.json"])
        let file = try desk.json(desk.layout.published(org: "default", batchID: live) + "/row-0.json")
        #expect(file["content"]?["greeting"] == "Hello N0")
        #expect(file["scheduled_for"] == "2025-01-20T09:00:00.000Z")
        #expect(desk.published(draft).isEmpty)
        #expect(try desk.progress(draft, "generated") == 1)

        desk.set("2025-01-20T10:00:00Z")
        try await desk.pass()
        status = try desk.status(live)
        #expect(status["status"] == "completed")
        #expect(try desk.progress(live, "published") == 3)
        #expect(try desk.progress(live, "failed") == 1)
        let result = try desk.result(live)
        #expect(result["status"] == "completed")
        #expect(result["items"]?[0]?["published"] == .string("outbox/default/published/\(live)/row-0.json"))
        #expect(result["items"]?[3]?["error"]?["code"] == "NOT_FOUND")
        #expect(try desk.status(draft)["status"] == "completed")
        #expect(try desk.progress(draft, "generated") == 3)
        #expect(try desk.result(draft)["items"]?[2]?["content"]?["greeting"] == "Hello N2")
        #expect(desk.published(draft).isEmpty)
    }

    @Test func aStartInThePastMeansNowWithAWarning() async throws {
        let desk = try ScheduledDesk(at: "2025-01-20T10:00:00Z")
        let batch = try desk.drop(waldium(tenPosts, count: 3), as: "late.json")
        try await desk.pass()
        let result = try desk.result(batch)
        #expect(result["scheduledPosts"]?[0]?["scheduledFor"] == "2025-01-20T10:00:00Z")
        #expect(result["scheduledPosts"]?[1]?["scheduledFor"] == "2025-01-20T12:00:00Z")
        #expect(result["warnings"]?[0]?.stringValue?.contains("in the past") == true)
        #expect(desk.published(batch) == ["sched_1.md"], "the first post was due at once")
    }
}

extension SchedulerTests {
    /// A post whose stored content lost its Markdown (an old or damaged journal) is not written
    /// as JSON bytes under `.md`: it fails, saying why, and the next post is published.
    @Test func aPostWithoutItsMarkdownFailsInsteadOfBeingPublishedAsJSON() async throws {
        let desk = try ScheduledDesk(at: "2025-01-20T06:00:00Z")
        let batch = try desk.drop(waldium(tenPosts, count: 2), as: "campaign.json")
        try await desk.pass()
        desk.set("2025-01-20T07:00:00Z")
        try await desk.pass()
        #expect(try desk.progress(batch, "generated") == 1)

        let path = desk.layout.itemJournal(org: "default", batchID: batch)
        var lines = desk.journal(batch)
        let line = try #require(lines.firstIndex { $0["index"] == 0 && $0["status"] == "generated" })
        guard case .object(var record) = lines[line], case .object(var content)? = record["content"] else {
            Issue.record("the journal has no content for the first post")
            return
        }
        #expect(content["markdown"] != nil)
        content["markdown"] = nil
        record["content"] = .object(content)
        lines[line] = .object(record)
        try AtomicFile.write(Array(lines.map { $0.serializedString() + "\n" }.joined().utf8), to: path)

        desk.set("2025-01-20T14:00:00Z")
        try desk.restart()
        try await desk.pass()
        #expect(desk.published(batch) == ["sched_2.md"])
        let status = try desk.status(batch)
        #expect(status["status"] == "completed")
        #expect(try desk.progress(batch, "failed") == 1)
        #expect(try desk.progress(batch, "published") == 1)
        let error = status["items"]?[0]?["error"]
        #expect(error?["code"] == "INVALID_TEMPLATE")
        #expect(error?["message"]?.stringValue?.contains("no \"markdown\" text to publish as sched_1.md") == true)
    }
}

extension SchedulerTests {
    /// A post whose generation finished after the cancellation was journaled (the cancel line
    /// first, then its `generated` line) is cancelled after a restart too, as it is live; a
    /// draft keeps its content.
    @Test func aGenerationJournaledAfterTheCancelIsCancelledOnReplay() async throws {
        let desk = try ScheduledDesk(at: "2025-01-20T06:00:00Z")
        let batch = try desk.drop(
            waldium(tenPosts, count: 3).replacingOccurrences(
                of: #"{"topic": "Topic number 2"}"#, with: #"{"topic": "Topic number 2", "isDraft": true}"#),
            as: "campaign.json")
        try await desk.pass()
        // Due at 09:00, 11:30 (the draft) and 14:00: by 12:00 the first is published and the
        // others are generated (the lead is two hours).
        desk.set("2025-01-20T12:00:00Z")
        try await desk.pass()
        #expect(try desk.progress(batch, "published") == 1)
        #expect(try desk.progress(batch, "generated") == 2)

        // Rewrite the journal as a crash would leave it had the cancel come while the draft and
        // the third post were being generated.
        let path = desk.layout.itemJournal(org: "default", batchID: batch)
        let lines = desk.journal(batch)
        let cancel: JSONValue = ["cancel": true, "at": "2025-01-20T09:10:00.000Z", "cancelled": 0]
        let (first, later) = (lines.filter { $0["index"] == 0 }, lines.filter { $0["index"] != 0 })
        #expect(later.contains { $0["index"] == 2 && $0["status"] == "generated" })
        try AtomicFile.write(
            Array((first + [cancel] + later).map { $0.serializedString() + "\n" }.joined().utf8), to: path)
        try desk.restart()
        try await desk.pass()
        let status = try desk.status(batch)
        #expect(status["status"] == "cancelled")
        #expect(status["items"]?[0]?["status"] == "published")
        #expect(status["items"]?[1]?["status"] == "generated", "a draft keeps its content")
        #expect(status["items"]?[2]?["status"] == "cancelled")
        #expect(desk.published(batch) == ["sched_1.md"])
    }
}

extension SchedulerTests {
    /// `isDraft: true` in the defaults makes every post a draft unless it says otherwise: the
    /// drafts stop at `generated` with no file, the post that overrides it is published.
    @Test func waldiumDraftsByDefaultStopAtGeneratedAndAPostThatOverridesItIsPublished() async throws {
        let desk = try ScheduledDesk(at: "2025-01-20T06:00:00Z")
        let batch = try desk.drop(
            #"""
            {"schedule": \#(tenPosts), "defaults": {"category": "Technology", "isDraft": true},
             "posts": [{"topic": "Kept back"}, {"topic": "Goes out", "isDraft": false}, {"topic": "Kept back too"}]}
            """#, as: "drafts.json")
        try await desk.pass()
        desk.set("2025-01-20T14:00:00Z")
        try await desk.pass()
        #expect(desk.published(batch) == ["sched_2.md"])
        let post = String(
            decoding: try FileSystem.readFile(desk.layout.published(org: "default", batchID: batch) + "/sched_2.md")!,
            as: UTF8.self)
        #expect(post.contains("\ndraft: false\n"))
        #expect(post.contains("\n# Goes Out\n"))
        let status = try desk.status(batch)
        #expect(status["status"] == "completed")
        #expect(status["nextPublishTime"] == .null)
        #expect(try desk.progress(batch, "published") == 1)
        #expect(try desk.progress(batch, "generated") == 2)
        #expect(status["items"]?[0]?["status"] == "generated")
        #expect(status["items"]?[1]?["status"] == "published")
        #expect(status["items"]?[1]?["published"] == .string("outbox/default/published/\(batch)/sched_2.md"))
        #expect(status["items"]?[2]?["status"] == "generated")
    }

    /// A scheduled item of a template whose output is `html` is published as its page, `.html`.
    @Test func aScheduledItemOfAnHTMLTemplateIsPublishedAsHTML() async throws {
        let desk = try ScheduledDesk(at: "2025-01-20T06:00:00Z")
        try AtomicFile.write(
            Array(
                #"{"id": "page", "approved": true, "output": "html", "variants": [{"id": "a", "vars": {"html": "<h1>Hello {{ name }}</h1>"}}]}"#
                    .utf8), to: desk.layout.templates(org: "default") + "/page.json")
        let schedule = #"{"strategy": "distribute", "start": "2025-01-20T09:00:00Z", "end": "2025-01-20T10:00:00Z"}"#
        let batch = try desk.drop(
            #"{"template_id": "page", "schedule": \#(schedule), "items": [{"id": "p0", "fields": {"name": "Ann"}}, {"id": "p1", "fields": {"name": "Bo"}}]}"#,
            as: "pages.json")
        try await desk.pass()
        desk.set("2025-01-20T10:00:00Z")
        try await desk.pass()
        #expect(desk.published(batch) == ["p0.html", "p1.html"])
        let page = try FileSystem.readFile(desk.layout.published(org: "default", batchID: batch) + "/p1.html")
        #expect(page == Array("<h1>Hello Bo</h1>".utf8))
        let status = try desk.status(batch)
        #expect(status["status"] == "completed")
        #expect(status["items"]?[0]?["published"] == .string("outbox/default/published/\(batch)/p0.html"))
        #expect(
            try desk.result(batch)["items"]?[1]?["published"] == .string("outbox/default/published/\(batch)/p1.html"))
    }
}

extension SchedulerTests {
    /// A schedule naming a day that does not exist rejects the file, naming the member, instead
    /// of being rolled over into the next month.
    @Test func aScheduleOnTheThirtyFirstOfFebruaryRejectsTheFile() async throws {
        let desk = try ScheduledDesk(at: "2025-01-20T06:00:00Z")
        let schedule =
            #"{"strategy": "distribute", "startTime": "2025-02-31T09:00:00Z", "endTime": "2025-03-05T09:00:00Z"}"#
        let batch = try desk.drop(waldium(schedule, count: 2), as: "february.json")
        let summary = try await desk.pass()
        #expect(summary.rejected == 1 && summary.scheduled == 0)
        #expect(!FileSystem.exists(desk.layout.status(org: "default", batchID: batch)))
        let error = try desk.json(desk.layout.rejected(org: "default") + "/february.json.error.json")
        #expect(error["code"] == "INVALID_REQUEST")
        #expect(error["field"] == "schedule.startTime")
        #expect(error["message"]?.stringValue?.contains("February 2025 has 28 days") == true)
    }
}
