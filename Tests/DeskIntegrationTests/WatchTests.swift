import DeskKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon, driven as a user drives it: real folders, real processes, real signals.
@Suite(.serialized)
struct WatchTests {
    @Test func aDropProducesItsResultStatusAndArchive() throws {
        let desk = try TestDesk()
        try desk.start()
        try desk.drop(TestDesk.request("jane", n: 7), as: "first.json")
        // The move into archive/ is the last step: by then the result and the status are final.
        try waitUntil(seconds: 30, "the request is archived") {
            !desk.files(in: desk.layout.archive(org: "default")).isEmpty
        }
        let name = desk.results()[0]
        #expect(name.hasPrefix("first-") && name.hasSuffix(".result.json"))
        let batchID = String(name.dropLast(".result.json".count))
        let result = try desk.json(desk.layout.result(org: "default", batchID: batchID))
        #expect(result["batch_id"]?.stringValue == batchID)
        #expect(result["counts"]?["generated"]?.intValue == 1)
        let item = result["items"]?.arrayValue?.first
        #expect(item?["status"]?.stringValue == "generated")
        #expect(item?["copy_id"]?.stringValue == "a")
        #expect(item?["content"]?["greeting"]?.stringValue == "Hello Jane")
        #expect(item?["content"]?["n"]?.stringValue == "7")
        let status = try desk.json(desk.layout.status(org: "default", batchID: batchID))
        #expect(status["status"]?.stringValue == "completed")
        #expect(status["progress"]?["generated"]?.intValue == 1)
        #expect(desk.files(in: desk.layout.archive(org: "default")) == [batchID + ".json"])
        #expect(desk.files(in: desk.layout.inbox).isEmpty)
        #expect(desk.stop() == 0)
    }

    @Test func aSlowWriterIsNeverReadEarly() throws {
        // Reconcile scans every 0.2 s, so a scan surely sees the file while it is being written.
        let desk = try TestDesk(config: #"{"intake": {"reconcile_seconds": 0.2, "settle_seconds": 0.1}}"#)
        try desk.start()
        let text = TestDesk.request("slow", n: 1)
        let bytes = Array(text.utf8)
        let path = desk.layout.inbox + "/slow.json"
        let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC)
        for chunk in stride(from: 0, to: bytes.count, by: 8) {
            try fd.writeAll(Array(bytes[chunk..<min(chunk + 8, bytes.count)]))
            usleep(60_000)
        }
        fd.close()
        try waitUntil(seconds: 30, "the slow file is processed") {
            desk.results().count == 1 || !desk.files(in: desk.layout.rejected(org: "default")).isEmpty
        }
        #expect(desk.files(in: desk.layout.rejected(org: "default")).isEmpty, "read before the writer finished")
        #expect(desk.results().count == 1)
        desk.stop()
    }

    @Test func anInboxSubFolderCreatedAfterStartIsWatched() throws {
        let desk = try TestDesk()
        try FileSystem.createDirectory(desk.layout.templates(org: "late"))
        try desk.write(
            #"{"id": "hello", "approved": true, "variants": [{"id": "x", "vars": {"t": "late {{ name }}"}}]}"#,
            to: desk.layout.templates(org: "late") + "/hello.json")
        try desk.start()
        // The folder and its first file appear together: the file lands before the watch is armed.
        try FileSystem.createDirectory(desk.layout.inbox(org: "late"))
        try desk.drop(TestDesk.request("one"), as: "one.json", org: "late")
        try waitUntil(seconds: 30, "the first file of the new folder is processed") {
            desk.results(org: "late").count == 1
        }
        // A file dropped later is announced by the new watch.
        try desk.drop(TestDesk.request("two"), as: "two.json", org: "late")
        try waitUntil(seconds: 30, "the second file is processed") { desk.results(org: "late").count == 2 }
        let result = try desk.json(desk.layout.outbox(org: "late") + "/" + desk.results(org: "late")[0])
        #expect(result["org"]?.stringValue == "late")
        #expect(result["items"]?[0]?["content"]?["t"]?.stringValue?.hasPrefix("late ") == true)
        desk.stop()
    }

    @Test func tenThousandFilesInABurstAreEachProcessedExactlyOnce() throws {
        let desk = try TestDesk()
        try desk.start()
        let count = 10_000
        for i in 0..<count { try desk.drop(TestDesk.request("n\(i)", n: i), as: "burst-\(i).json") }
        try waitUntil(seconds: 600, "all \(count) results exist") { desk.results().count == count }
        #expect(desk.stop() == 0)
        #expect(desk.files(in: desk.layout.archive(org: "default")).count == count)
        #expect(desk.files(in: desk.layout.rejected(org: "default")).isEmpty)
        #expect(desk.files(in: desk.layout.inbox).isEmpty)
        #expect(desk.metric("copydesk_files_admitted_total") == Double(count))
        #expect(desk.metric("copydesk_files_duplicate_total") == nil)
        // Every input maps to its own result, carrying its own number.
        var seen = Set<Int>()
        for name in desk.results() {
            let result = try desk.json(desk.layout.outbox(org: "default") + "/" + name)
            if let n = result["items"]?[0]?["content"]?["n"]?.stringValue.flatMap(Int.init) { seen.insert(n) }
        }
        #expect(seen.count == count)
    }

    @Test func anInotifyOverflowIsRecoveredByARescan() throws {
        let limit =
            Int(
                (try? String(contentsOfFile: "/proc/sys/fs/inotify/max_queued_events", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "16384") ?? 16384
        let desk = try TestDesk(config: #"{"intake": {"reconcile_seconds": 3600}}"#)
        try desk.start()
        desk.signal(SIGSTOP)
        let count = limit + 200
        for i in 0..<count { try desk.drop(TestDesk.request("o\(i)"), as: "over-\(i).json") }
        desk.signal(SIGCONT)
        try waitUntil(seconds: 900, "all \(count) results exist") { desk.results().count == count }
        #expect(desk.stop() == 0)
        #expect((desk.metric("copydesk_inotify_overflows_total") ?? 0) >= 1)
        #expect((desk.metric(#"copydesk_rescans_total{reason="overflow"}"#) ?? 0) >= 1)
        #expect(desk.files(in: desk.layout.archive(org: "default")).count == count)
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalShutsDownGracefullyWithExitZero(signal: Int32) throws {
        let desk = try TestDesk()
        try desk.start()
        for i in 0..<50 { try desk.drop(TestDesk.request("t\(i)"), as: "t-\(i).json") }
        #expect(desk.stop(with: signal) == 0)
        let health = try desk.json(desk.layout.health)
        #expect(health["status"]?.stringValue == "stopped")
        // Whatever was not finished is back in the inbox or done: nothing is lost, nothing claimed.
        let done = desk.results().count
        let waiting = desk.files(in: desk.layout.inbox).count
        #expect(done + waiting == 50)
        #expect(desk.files(in: desk.layout.claims).isEmpty)
        try desk.start()
        try waitUntil(seconds: 60, "the rest is processed after a restart") { desk.results().count == 50 }
        desk.stop()
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aBigBatchIsReleasedAtACheckpointOnShutdownAndFinishedAfterARestart(signal: Int32) throws {
        let desk = try TestDesk(config: #"{"checkpoint_items": 500, "status_interval_seconds": 0.2}"#)
        try desk.start()
        let count = 30_000
        try desk.drop(CrashTests.request("big", items: count), as: "big.json")
        // A long batch writes its status at once, then at checkpoints: the signal lands mid-batch.
        try waitUntil(seconds: 60, "the batch's first status") {
            desk.files(in: desk.layout.state(org: "default")).contains { $0.hasSuffix(".status.json") }
        }
        #expect(desk.stop(with: signal) == 0)
        // Released at a checkpoint: back in the inbox, its progress in the status, no claim held.
        #expect(desk.results().isEmpty, "finished before the signal: make the batch bigger")
        #expect(desk.files(in: desk.layout.inbox) == ["big.json"])
        let statusName = try #require(
            desk.files(in: desk.layout.state(org: "default")).first { $0.hasSuffix(".status.json") })
        let batchID = String(statusName.dropLast(".status.json".count))
        let halfway = try desk.json(desk.layout.status(org: "default", batchID: batchID))
        #expect(halfway["status"]?.stringValue == "in_progress")
        let done = halfway["progress"]?["generated"]?.intValue ?? -1
        #expect(done >= 0 && done < count)
        #expect(try desk.json(desk.layout.health)["status"]?.stringValue == "stopped")

        try desk.start()
        try waitUntil(seconds: 300, "the batch finishes after the restart") { desk.results().count == 1 }
        #expect(desk.stop() == 0)
        let result = try desk.json(desk.layout.result(org: "default", batchID: batchID))
        let items = result["items"]?.arrayValue ?? []
        #expect(items.count == count)
        #expect(items.enumerated().allSatisfy { $0.element["index"]?.intValue == $0.offset })
        #expect(items.allSatisfy { $0["status"]?.stringValue == "generated" })
        #expect(
            try desk.json(desk.layout.status(org: "default", batchID: batchID))["status"]?.stringValue == "completed")
        // Coalesced: a status per checkpoint at most (60 here), never one per item.
        let writes = try #require(desk.metric("copydesk_status_writes_total"))
        #expect(writes >= 2 && writes <= Double(count / 500 + 2), "\(writes) status writes for \(count) items")
    }

    @Test func pollingTakesAFileOnlyOnceItHeldStillAcrossTwoScans() throws {
        let desk = try TestDesk()
        try desk.start(extra: ["--poll", "0.5"])
        #expect(try desk.json(desk.layout.health)["mode"]?.stringValue == "polling")
        // A file handed over by rename is taken by a poll.
        try desk.drop(TestDesk.request("renamed", n: 1), as: "renamed.json")
        try waitUntil(seconds: 30, "the renamed file is processed") { desk.results().count == 1 }
        // A writer that appends in place and closes the file after each piece: no IN_CLOSE_WRITE
        // or open-writer check can hold the file back, only its size changing between two polls.
        let bytes = Array(TestDesk.request("appended", n: 2).utf8)
        let path = desk.layout.inbox + "/appended.json"
        for chunk in stride(from: 0, to: bytes.count, by: 6) {
            let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_APPEND)
            try fd.writeAll(Array(bytes[chunk..<min(chunk + 6, bytes.count)]))
            fd.close()
            usleep(40_000)
        }
        try waitUntil(seconds: 30, "the appended file is processed") {
            desk.results().count == 2 || !desk.files(in: desk.layout.rejected(org: "default")).isEmpty
        }
        #expect(desk.files(in: desk.layout.rejected(org: "default")).isEmpty, "taken before it held still")
        #expect(desk.results().count == 2)
        #expect(desk.stop() == 0)
    }

    @Test func logsMetricsAndHeartbeatTellWhatHappened() throws {
        let desk = try TestDesk()
        try desk.start(extra: ["--log-format", "json", "--log-level", "info"])
        try desk.drop(TestDesk.request("good", n: 1), as: "good.json")
        try desk.drop(#"{"template_id": "hello", "items": ["#, as: "truncated.json")
        try waitUntil(seconds: 30, "both files are handled") {
            desk.results().count == 1 && desk.files(in: desk.layout.rejected(org: "default")).count == 2
        }
        // The heartbeat moves on while the daemon idles.
        let first = try desk.json(desk.layout.health)["heartbeat_at"]?.stringValue
        try waitUntil(seconds: 30, "the heartbeat advances") {
            (try? desk.json(desk.layout.health)["heartbeat_at"]?.stringValue) != first
        }
        #expect(desk.stop() == 0)

        #expect(desk.metric("copydesk_files_seen_total") == 2)
        #expect(desk.metric("copydesk_files_admitted_total") == 1)
        #expect(desk.metric(#"copydesk_files_rejected_total{code="INVALID_JSON"}"#) == 1)
        #expect(desk.metric(#"copydesk_items_total{status="generated"}"#) == 1)
        #expect(desk.metric("copydesk_claim_latency_seconds_count") == 2)
        #expect(desk.metric("copydesk_drop_to_result_seconds_count") == 1)

        // One JSON object per line, each with its time, level and event.
        let lines = desk.log.split(separator: "\n")
        var events: [String] = []
        for line in lines {
            let object = try JSONValue.parse(Array(line.utf8))
            #expect(object["ts"]?.stringValue.flatMap(Timestamp.init(iso8601:)) != nil, "\(line)")
            #expect(object["level"]?.stringValue != nil, "\(line)")
            if let event = object["event"]?.stringValue { events.append(event) }
        }
        for wanted in ["desk.started", "batch.done", "file.rejected", "desk.stopped"] {
            #expect(events.contains(wanted), "no \(wanted) among \(events)")
        }
        let rejected = lines.first { $0.contains(#""event":"file.rejected""#) }.map(String.init) ?? ""
        #expect(rejected.contains("truncated.json") && rejected.contains("INVALID_JSON"))
    }
}
