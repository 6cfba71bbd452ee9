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
        try waitUntil(seconds: 30, "the first file of the new folder is processed") { desk.results(org: "late").count == 1 }
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
        let limit = Int(
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

    @Test func sigtermShutsDownGracefullyWithExitZero() throws {
        let desk = try TestDesk()
        try desk.start()
        for i in 0..<50 { try desk.drop(TestDesk.request("t\(i)"), as: "t-\(i).json") }
        #expect(desk.stop() == 0)
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
}
