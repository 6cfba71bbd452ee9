import DeskKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Several `copydesk watch` processes on one desk, killed and restarted at random: every input
/// has exactly one result and every scheduled item is published exactly once.
@Suite(.serialized)
struct MultiProcessTests {
    /// One `copydesk watch` process of the desk, restarted under a new pid after each kill; its
    /// lines of every life go to one log file.
    final class Worker {
        let root: String
        let logPath: String
        var process: Process?

        init(root: String, number: Int) {
            self.root = root
            logPath = root + ".worker\(number).log"
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }

        func start() throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TestDesk.binary)
            process.arguments = ["watch", root, "--log-level", "info"]
            let log = FileHandle(forWritingAtPath: logPath)!
            log.seekToEndOfFile()
            process.standardError = log
            process.standardOutput = log
            try process.run()
            self.process = process
        }

        /// Kills every worker still running and removes its log (kept with
        /// COPYDESK_KEEP_TEST_DESKS set).
        static func cleanUp(_ workers: [Worker]) {
            for worker in workers {
                worker.kill9()
                if ProcessInfo.processInfo.environment["COPYDESK_KEEP_TEST_DESKS"] == nil {
                    try? FileManager.default.removeItem(atPath: worker.logPath)
                }
            }
        }

        func kill9() {
            guard let process else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            self.process = nil
        }

        func stop() -> Int32 {
            guard let process else { return -1 }
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            self.process = nil
            return process.terminationStatus
        }

        var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    }

    @Test func fourProcessesKilledAtRandomGiveOneResultPerInputAndPublishEachItemOnce() throws {
        let files = 20_000
        let scheduledBatches = 20
        let itemsPerBatch = 100
        let desk = try TestDesk(
            config:
                #"{"schedule": {"lead_seconds": 5, "lease_seconds": 2}, "intake": {"reconcile_seconds": 2}, "status_interval_seconds": 0.2}"#
        )
        let workers = (0..<4).map { Worker(root: desk.root, number: $0) }
        defer { Worker.cleanUp(workers) }
        for worker in workers { try worker.start() }

        // The scheduled items are due from 6 s to 40 s from now, while the processes die.
        let now = Timestamp(nanoseconds: Int64(Date().timeIntervalSince1970 * 1e9))
        let start = now.adding(seconds: 6).iso8601
        let end = now.adding(seconds: 40).iso8601
        for b in 0..<scheduledBatches {
            let items = (0..<itemsPerBatch).map {
                #"{"id": "s\#(b)-\#($0)", "fields": {"name": "s\#(b)", "n": \#($0)}}"#
            }
            try desk.drop(
                #"{"template_id": "hello", "schedule": {"strategy": "distribute", "start": "\#(start)", "end": "\#(end)"}, "items": [\#(items.joined(separator: ","))]}"#,
                as: "scheduled-\(b).json")
        }

        var random = SystemRandomNumberGenerator()
        var kills = 0
        var dropped = 0
        let chaosUntil = Date().addingTimeInterval(45)
        while dropped < files || Date() < chaosUntil {
            // A thousand files at a time, while a random process dies and comes back.
            let wave = min(1_000, files - dropped)
            for i in dropped..<(dropped + wave) {
                try desk.drop(TestDesk.request("f\(i)", n: i), as: "f\(i).json")
            }
            dropped += wave
            usleep(UInt32.random(in: 500_000...2_000_000, using: &random))
            let victim = workers[Int.random(in: 0..<workers.count, using: &random)]
            victim.kill9()
            kills += 1
            usleep(UInt32.random(in: 0...300_000, using: &random))
            try victim.start()
        }

        let total = files + scheduledBatches
        try waitUntil(seconds: 300, "every input has a result and every scheduled batch completed") {
            desk.results().count >= total
                && !desk.files(in: desk.layout.state(org: "default")).contains { $0.hasSuffix(".schedule.json") }
        }
        for worker in workers { #expect(worker.stop() == 0, "a clean stop") }

        // Every input: one result, archived once, nothing rejected or left behind.
        let results = desk.results()
        #expect(results.count == total)
        #expect(desk.files(in: desk.layout.archive(org: "default")).filter { $0.hasSuffix(".json") }.count == total)
        #expect(desk.files(in: desk.layout.rejected(org: "default")).isEmpty)
        #expect(desk.files(in: desk.layout.inbox).isEmpty)

        // Every scheduled item: published, and journaled as published exactly once (a second
        // process publishing it too would have journaled it too). The journals are archived.
        var publications: [String: Int] = [:]
        let scheduled = results.filter { $0.hasPrefix("scheduled-") }.map { String($0.dropLast(".result.json".count)) }
        #expect(scheduled.count == scheduledBatches)
        for batch in scheduled {
            let status = try desk.json(desk.layout.status(org: "default", batchID: batch))
            #expect(status["status"]?.stringValue == "completed", "\(batch)")
            #expect(status["progress"]?["published"]?.intValue == itemsPerBatch, "\(batch)")
            let journal = try #require(
                try FileSystem.readFile(desk.layout.scheduleJournalArchive(org: "default", batchID: batch)))
            for line in JSONValue.parseLines(journal) {
                guard let value = try? line.result.get(), value["status"] == "published",
                    let index = value["index"]?.intValue
                else { continue }
                publications[batch + "/\(index)", default: 0] += 1
            }
            let published = desk.files(in: desk.layout.published(org: "default", batchID: batch))
            #expect(published.count == itemsPerBatch, "\(batch) has a file per item")
            for index in 0..<itemsPerBatch {
                #expect(publications[batch + "/\(index)"] == 1, "\(batch) item \(index) published once")
            }
        }
        #expect(publications.count == scheduledBatches * itemsPerBatch)
    }
}
