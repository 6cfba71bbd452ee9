import DeskKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Scheduled batches through the real binary, on the real clock.
@Suite(.serialized)
struct ScheduleIntegrationTests {
    /// A waldium request for `count` posts spread from `start` to `end`.
    static func posts(_ count: Int, from start: Date, to end: Date) -> String {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let posts = (1...count).map { #"{"topic": "Post \#($0)"}"# }.joined(separator: ", ")
        return #"""
            {"schedule": {"strategy": "distribute", "startTime": "\#(format.string(from: start))", "endTime": "\#(format.string(from: end))"},
             "defaults": {"category": "Tests"}, "posts": [\#(posts)]}
            """#
    }

    func inode(_ path: String) -> UInt64? {
        var st = stat()
        return lstat(path, &st) == 0 ? UInt64(st.st_ino) : nil
    }

    func publishedLines(_ desk: TestDesk, _ batch: String) -> [Int] {
        guard let bytes = try? FileSystem.readFile(desk.layout.itemJournal(org: "default", batchID: batch)) else {
            return []
        }
        return JSONValue.parseLines(bytes).compactMap { entry -> Int? in
            guard case .success(let json) = entry.result, json["status"] == "published" else { return nil }
            return json["index"]?.intValue
        }
    }

    @Test func killsInTheMiddleOfAScheduleStillPublishEverythingExactlyOnce() throws {
        let desk = try TestDesk(config: #"{"schedule": {"lead_seconds": 1}, "status_interval_seconds": 0.05}"#)
        try desk.start()
        let count = 100
        let start = Date().addingTimeInterval(1.5)
        try desk.drop(Self.posts(count, from: start, to: start.addingTimeInterval(8)), as: "campaign.json")
        try waitUntil(seconds: 30, "the batch is admitted") { desk.results().count == 1 }
        let batch = String(desk.results()[0].dropLast(".result.json".count))
        let folder = desk.layout.published(org: "default", batchID: batch)
        var journaled: [String: UInt64] = [:]  // published and journaled before a kill → its inode
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3 {
            usleep(UInt32.random(in: 1_000_000...2_500_000, using: &generator))
            desk.crash()
            let lines = publishedLines(desk, batch)
            #expect(Set(lines).count == lines.count, "no item journaled published twice")
            for index in lines {
                let path = folder + "/sched_\(index + 1).md"
                let node = inode(path)
                #expect(node != nil, "a journaled publication is durable: \(path)")
                if journaled["sched_\(index + 1).md"] == nil { journaled["sched_\(index + 1).md"] = node }
            }
            try desk.start()
        }
        try waitUntil(seconds: 60, "every post is published") {
            (try? desk.json(desk.layout.status(org: "default", batchID: batch)))?["status"] == "completed"
        }
        #expect(desk.stop() == 0)
        #expect(!journaled.isEmpty, "the kills came in the middle of the schedule")
        let files = desk.files(in: folder)
        #expect(files.count == count)
        for (name, node) in journaled {
            #expect(inode(folder + "/" + name) == node, "\(name) was published once, not again after a restart")
        }
        for index in 1...count {
            let text = String(decoding: try FileSystem.readFile(folder + "/sched_\(index).md") ?? [], as: UTF8.self)
            #expect(text.hasPrefix("---\ntitle: \"Post \(index)\"\n"), "sched_\(index).md is whole")
        }
        let status = try desk.json(desk.layout.status(org: "default", batchID: batch))
        #expect(status["progress"]?["published"] == .int(count))
        #expect(status["nextPublishTime"] == .null)
        #expect(!FileSystem.exists(desk.layout.scheduleMarker(org: "default", batchID: batch)))
        // The journal, kept with the request, says each item was published once, whatever the
        // kills did.
        let archived = try #require(
            try FileSystem.readFile(desk.layout.scheduleJournalArchive(org: "default", batchID: batch)))
        var publications: [Int: Int] = [:]
        for entry in JSONValue.parseLines(archived) {
            guard case .success(let json) = entry.result, json["status"] == "published",
                let index = json["index"]?.intValue
            else { continue }
            publications[index, default: 0] += 1
        }
        #expect(publications.keys.sorted() == Array(0..<count), "every item has a published record")
        #expect(publications.values.allSatisfy { $0 == 1 }, "published twice: \(publications.filter { $0.value > 1 })")
    }

    @Test func aDaemonWaitingForAScheduleSleeps() throws {
        let desk = try TestDesk()
        try desk.start()
        let later = Date().addingTimeInterval(7_200 * 3)
        try desk.drop(Self.posts(3, from: later, to: later.addingTimeInterval(60)), as: "later.json")
        try waitUntil(seconds: 30, "the batch is admitted") { desk.results().count == 1 }
        // The scheduler counts the passes of its loop: sleeping until the next due instant (at
        // most a second) makes a handful in 3 s; the spin this guards against made millions.
        try waitUntil(seconds: 30, "the wake-up counter is in the metrics") {
            desk.metric("copydesk_scheduler_wakeups_total") != nil
        }
        let before = desk.metric("copydesk_scheduler_wakeups_total") ?? 0
        usleep(3_000_000)
        try waitUntil(seconds: 5, "the metrics are rewritten") {
            (desk.metric("copydesk_scheduler_wakeups_total") ?? 0) > before
        }
        let passes = (desk.metric("copydesk_scheduler_wakeups_total") ?? 0) - before
        #expect(passes < 100, "an idle daemon's scheduler looped \(passes) times in about 3 s")
        #expect(desk.stop() == 0)
    }

    @Test func copydeskCancelWorksWithAndWithoutADaemonAndStatusShowsTheNextPublication() throws {
        let desk = try TestDesk()
        let soon = Date().addingTimeInterval(3_600)
        try desk.drop(Self.posts(5, from: soon, to: soon.addingTimeInterval(3_600)), as: "later.json")
        try desk.drop(Self.posts(5, from: soon, to: soon.addingTimeInterval(3_600)) + " ", as: "other.json")
        let processed = try TestDesk.run(["process", desk.root])
        #expect(processed.status == 0, "\(processed.stdout) \(processed.stderr)")
        #expect(processed.stdout.contains("scheduled batches 2"))
        let batches = desk.results().map { String($0.dropLast(".result.json".count)) }.sorted()
        #expect(batches.count == 2)

        let table = try TestDesk.run(["status", desk.root])
        #expect(table.stdout.contains("NEXT PUBLICATION"))
        #expect(table.stdout.contains(String(ISO8601DateFormatter().string(from: soon).prefix(13))))

        // No daemon: copydesk cancel applies the cancel file itself.
        let offline = try TestDesk.run(["cancel", desk.root, batches[0]])
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(offline.stdout.contains("cancelled 5 items of \(batches[0])"))
        #expect(try desk.json(desk.layout.status(org: "default", batchID: batches[0]))["status"] == "cancelled")

        // With a daemon running, the daemon applies it.
        try desk.start()
        let online = try TestDesk.run(["cancel", desk.root, batches[1]])
        #expect(online.status == 0, "\(online.stderr)")
        #expect(online.stdout.contains("cancelled 5 items"))
        #expect(desk.stop() == 0)
        #expect(try desk.json(desk.layout.status(org: "default", batchID: batches[1]))["status"] == "cancelled")
        #expect(desk.files(in: desk.layout.inbox).isEmpty)

        let unknown = try TestDesk.run(["cancel", desk.root, "nope-12345678"])
        #expect(unknown.status == 1)
    }
}

extension ScheduleIntegrationTests {
    @Test func aScheduledBatchThatCannotBeResumedIsNotCalledFinishedByACancel() throws {
        let desk = try TestDesk()
        let later = Date().addingTimeInterval(7_200 * 3)
        try desk.drop(Self.posts(3, from: later, to: later.addingTimeInterval(60)), as: "later.json")
        _ = try TestDesk.run(["process", desk.root])
        let batch = try #require(desk.results().first.map { String($0.dropLast(".result.json".count)) })
        // The archived request a restart reads the batch back from is gone.
        try FileSystem.remove(desk.layout.archive(org: "default") + "/" + batch + ".json")
        let cancel = try TestDesk.run(["cancel", desk.root, batch])
        #expect(cancel.status == 1)
        #expect(!cancel.stdout.contains("already finished"))
        #expect((cancel.stdout + cancel.stderr).contains("cannot be cancelled now"))
    }
}

extension ScheduleIntegrationTests {
    /// An immediate native batch that says `"publish": true` is published at once, and a kill -9
    /// while its files are written changes nothing: the run after it writes the same bytes and
    /// one result.
    @Test func anImmediateBatchThatSaysPublishTrueIsPublishedExactlyOnceThroughAKill() throws {
        let desk = try TestDesk()
        try desk.start()
        let count = 400
        let items = (0..<count).map { #"{"id": "r\#($0)", "fields": {"name": "n\#($0)", "n": \#($0)}}"# }
            .joined(separator: ",")
        let text = #"{"template_id": "hello", "publish": true, "items": [\#(items)]}"#
        let batch = "now-" + String(SHA256.hexDigest(Array(text.utf8)).prefix(8))
        let folder = desk.layout.published(org: "default", batchID: batch)
        try desk.drop(text, as: "now.json")
        try waitUntil(seconds: 60, "the first files are published") {
            !desk.files(in: folder).isEmpty || !desk.results().isEmpty
        }
        desk.crash()
        var before: [String: [UInt8]] = [:]
        for name in desk.files(in: folder) { before[name] = try FileSystem.readFile(folder + "/" + name) }

        try desk.start()
        try waitUntil(seconds: 120, "the batch is archived") {
            FileSystem.exists(desk.layout.archive(org: "default") + "/\(batch).json")
        }
        #expect(desk.stop() == 0)
        #expect(!before.isEmpty)
        let files = desk.files(in: folder)
        #expect(files.count == count)
        for (name, bytes) in before {
            #expect(try FileSystem.readFile(folder + "/" + name) == bytes, "\(name) was rewritten with other bytes")
        }
        let resultPath = desk.layout.result(org: "default", batchID: batch)
        let result = try desk.json(resultPath)
        #expect(result["status"] == "completed")
        #expect(result["counts"]?["published"] == .int(count))
        #expect(result["items"]?[7]?["published"] == .string("outbox/default/published/\(batch)/r7.json"))
        let seventh = try desk.json(folder + "/r7.json")
        #expect(seventh["content"]?["greeting"] == "Hello N7")
        let status = try desk.json(desk.layout.status(org: "default", batchID: batch))
        #expect(seventh["scheduled_for"] == status["created_at"], "due when the batch was created, before the kill")
        #expect(status["progress"]?["published"] == .int(count))
        #expect(desk.results().count == 1)
    }
}

extension ScheduleIntegrationTests {
    /// A cancel that comes while an item is being generated lets the generation finish, but the
    /// item is not published: it ends `cancelled`, like the items that were still pending.
    @Test func anItemBeingGeneratedWhenTheBatchIsCancelledFinishesButIsNotPublished() throws {
        let started = "/tmp/copydesk-it-cancel-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer {
            try? FileSystem.remove(started + ".started")
            try? FileSystem.remove(started + ".release")
        }
        // The provider says it started, then waits (at most 30 s) until the test releases it.
        let script = """
            touch "\(started).started"; i=0
            while [ ! -e "\(started).release" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
            echo "written after the cancel"
            """
        let config = JSONValue.object(
            JSONObject([
                ("schedule", .object(JSONObject([("lead_seconds", 0)]))),
                (
                    "providers",
                    .array([
                        .object(
                            JSONObject([
                                ("name", "slow"), ("type", "command"),
                                ("command", .array(["/bin/sh", "-c", .string(script)])),
                            ]))
                    ])
                ),
            ]))
        let desk = try TestDesk(config: config.serializedString())
        try desk.start()
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let start = format.string(from: Date().addingTimeInterval(1.5))
        let text = """
            {"schedule": {"strategy": "burst", "start": "\(start)", "per_hour": 1},
             "items": [{"id": "first", "topic": "First"}, {"id": "second", "topic": "Second"}]}
            """
        let batch = "slow-" + String(SHA256.hexDigest(Array(text.utf8)).prefix(8))
        try desk.drop(text, as: "slow.json")
        try waitUntil(seconds: 30, "the first item is being generated") { FileSystem.exists(started + ".started") }

        let cancel = try TestDesk.run(["cancel", desk.root, batch])
        #expect(cancel.status == 0, "\(cancel.stdout) \(cancel.stderr)")
        #expect(cancel.stdout.contains("cancelled 1 items of \(batch)"), "the pending one")
        let statusPath = desk.layout.status(org: "default", batchID: batch)
        // The cancel's status write may trail its answer; the item is held, so it stays generating.
        try waitUntil(seconds: 30, "the status shows the held item still being generated") {
            (try? desk.json(statusPath))?["progress"]?["generating"] == 1
        }

        try AtomicFile.write([], to: started + ".release")
        try waitUntil(seconds: 30, "the batch ends") { (try? desk.json(statusPath))?["status"] == "cancelled" }
        #expect(desk.stop() == 0)
        let status = try desk.json(statusPath)
        #expect(status["progress"]?["cancelled"] == 2)
        #expect(status["progress"]?["published"] == 0)
        #expect(status["items"]?[0]?["status"] == "cancelled")
        #expect(desk.files(in: desk.layout.published(org: "default", batchID: batch)).isEmpty)
        let result = try desk.json(desk.layout.result(org: "default", batchID: batch))
        #expect(result["status"] == "cancelled")
        #expect(result["items"]?[0]?["status"] == "cancelled")
        #expect(result["items"]?[0]?["published"] == nil)
    }
}

extension ScheduleIntegrationTests {
    /// `copydesk status` draws a partly published scheduled batch as a bar of its published
    /// share, with the percentage and the instant of the next publication.
    @Test func copydeskStatusShowsTheProgressBarAndTheNextPublication() throws {
        let desk = try TestDesk()
        let format = ISO8601DateFormatter()
        let start = format.string(from: Date().addingTimeInterval(-600))  // in the past: now
        let end = format.string(from: Date().addingTimeInterval(3 * 3_600))
        let items = (0..<4).map { #"{"id": "r\#($0)", "fields": {"name": "n\#($0)", "n": \#($0)}}"# }
            .joined(separator: ",")
        let text = #"""
            {"template_id": "hello", "schedule": {"strategy": "distribute", "start": "\#(start)", "end": "\#(end)"},
             "items": [\#(items)]}
            """#
        let batch = "quarter-" + String(SHA256.hexDigest(Array(text.utf8)).prefix(8))
        try desk.drop(text, as: "quarter.json")
        let processed = try TestDesk.run(["process", desk.root])
        #expect(processed.status == 0, "\(processed.stdout) \(processed.stderr)")
        let status = try desk.json(desk.layout.status(org: "default", batchID: batch))
        #expect(status["progress"]?["published"] == 1, "the first item was due at once")
        let next = try #require(status["next_publish_time"]?.stringValue)
        #expect(next == status["items"]?[1]?["scheduled_for"]?.stringValue)

        let table = try TestDesk.run(["status", desk.root])
        #expect(table.status == 0, "\(table.stderr)")
        let line = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix(batch) })
        #expect(line.contains("[######..................] 25% "), "\(line)")
        #expect(line.contains(" \(next) "), "\(line)")
        #expect(line.contains("4: ") && line.contains("1 published"), "\(line)")
    }
}
