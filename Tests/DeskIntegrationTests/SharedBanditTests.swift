import DeskKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Two `copydesk watch` processes on one desk share the bandit: every events file counts exactly
/// once in the one counters file, whichever process took it, and a user gets one variant
/// whichever process served them.
@Suite struct SharedBanditTests {
    static let template = """
        {"id": "pick", "approved": true, "variants": [
          {"id": "a", "vars": {"s": "A {{ n }}"}}, {"id": "b", "vars": {"s": "B {{ n }}"}}]}
        """

    @Test func twoProcessesCountEveryEventsFileOnceAndGiveAUserOneVariant() throws {
        let desk = try TestDesk()
        try desk.write(Self.template, to: desk.layout.templates(org: "default") + "/pick.json")
        let workers = (0..<2).map { MultiProcessTests.Worker(root: desk.root, number: $0) }
        defer { MultiProcessTests.Worker.cleanUp(workers) }
        for worker in workers { try worker.start() }
        for worker in workers {
            try waitUntil(seconds: 30, "worker \(worker.logPath) watches the inbox") {
                worker.log.contains("intake.watching")
            }
        }

        // Events files and justwords requests, dropped one by one while both processes race
        // for each: 10 users with 4 requests each, 40 events files of 3 + 2 impressions.
        let eventsFiles = 40
        let users = 10
        let requestsPerUser = 4
        let at = Timestamp(seconds: Date().timeIntervalSince1970 - 60)
        for i in 0..<eventsFiles {
            let lines = (0..<5).map { e in
                // The export's own columns ("row") are ignored.
                #"{"template_id": "pick", "copy_id": "\#(e < 3 ? "a" : "b")", "type": "impression", "at": "\#(at.adding(seconds: -Double(i * 5 + e)).iso8601)", "row": \#(i * 5 + e)}"#
            }
            try desk.drop(lines.joined(separator: "\n") + "\n", as: "day-\(i).events.jsonl")
            let u = i % users
            if i < users * requestsPerUser {
                try desk.drop(
                    #"{"requests": [{"template_id": "pick", "tracking_id": "r\#(i)"}], "user_id": "user-\#(u)", "fields": {"n": \#(i)}}"#,
                    as: "journey-\(i).json")
            }
            usleep(20_000)
        }
        let total = eventsFiles + users * requestsPerUser
        try waitUntil(seconds: 120, "every file has a result") { desk.results().count >= total }
        for worker in workers { #expect(worker.stop() == 0, "a clean stop") }
        #expect(desk.results().count == total)
        #expect(desk.files(in: desk.layout.rejected(org: "default")).isEmpty)
        // Both processes did part of the work (else this test would show nothing).
        for worker in workers {
            #expect(worker.log.contains("events.done"), "\(worker.logPath) counted no events file")
        }

        // Counters: every events file once.
        let counters = try desk.json(desk.layout.bandit(org: "default") + "/counters/pick.json")
        func sum(_ copyID: String) -> Int {
            (counters["variants"]?[copyID]?.objectValue?.members ?? []).reduce(0) { $0 + ($1.value[0]?.intValue ?? 0) }
        }
        #expect(sum("a") == 3 * eventsFiles)
        #expect(sum("b") == 2 * eventsFiles)
        #expect(Set((counters["applied"]?.arrayValue ?? []).compactMap(\.stringValue)).count == eventsFiles)

        // Sticky: each user got one variant in all of their responses, and the log agrees.
        var given: [String: Set<String>] = [:]
        for i in 0..<(users * requestsPerUser) {
            let name = try #require(desk.results().first { $0.hasPrefix("journey-\(i)-") })
            let response = try desk.json(desk.layout.outbox(org: "default") + "/" + name)
            let copy = try #require(response["pick"]?["copy"]?["id"]?.stringValue, "\(response)")
            given["user-\(i % users)", default: []].insert(copy)
        }
        #expect(given.count == users)
        for (user, copies) in given { #expect(copies.count == 1, "\(user) got \(copies.sorted())") }
        var logged: [String: String] = [:]
        for line in AppendLog(path: desk.layout.bandit(org: "default") + "/sticky.jsonl").read().values {
            guard let user = line["user_id"]?.stringValue, let copy = line["copy_id"]?.stringValue else { continue }
            if logged[user] == nil { logged[user] = copy }
        }
        for (user, copies) in given { #expect(logged[user].map { [$0] } == copies, "\(user)") }
    }
}
