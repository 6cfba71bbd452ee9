import DeskKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `kill -9` at any instant loses nothing and writes nothing twice.
@Suite(.serialized)
struct CrashTests {
    /// A request with `items` items; big ones span several checkpoints (checkpoint_items is 100).
    static func request(_ tag: String, items: Int) -> String {
        let list = (0..<items).map { #"{"id": "\#(tag)-\#($0)", "fields": {"name": "\#(tag)", "n": \#($0)}}"# }
        return #"{"template_id": "hello", "items": [\#(list.joined(separator: ","))]}"#
    }

    @Test func sigkillAtRandomInstantsFiftyTimesLeavesExactlyOneResultPerInput() throws {
        let desk = try TestDesk(config: #"{"checkpoint_items": 100, "status_interval_seconds": 0.01}"#)
        var generator = SystemRandomNumberGenerator()
        var expected: [String: Int] = [:]  // input name → items
        var dropped = 0
        for round in 0..<50 {
            // New work arrives between crashes too, some of it large.
            for k in 0..<6 {
                let items = k == 0 ? 1_500 : Int.random(in: 1...5, using: &generator)
                let name = "r\(round)-\(k).json"
                try desk.drop(Self.request("r\(round)k\(k)", items: items), as: name)
                expected[name] = items
                dropped += 1
            }
            if round % 3 == 0 {
                // Some kills land while the daemon is still starting: recovering claims and
                // journals left by the previous kill, before it watches the inbox.
                try desk.launch()
                usleep(UInt32.random(in: 0...40_000, using: &generator))
            } else {
                try desk.start()
                usleep(UInt32.random(in: 0...250_000, using: &generator))
            }
            desk.crash()
        }
        // A last, uninterrupted run finishes everything.
        try desk.start()
        try waitUntil(seconds: 120, "every input has a result") {
            desk.results().count >= expected.count && desk.files(in: desk.layout.inbox).isEmpty
        }
        #expect(desk.stop() == 0)

        let results = desk.results()
        #expect(results.count == expected.count, "one result per input")
        #expect(Set(results).count == results.count)
        let archived = desk.files(in: desk.layout.archive(org: "default"))
        #expect(archived.count == expected.count, "each input archived once")
        #expect(desk.files(in: desk.layout.rejected(org: "default")).isEmpty)
        #expect(desk.files(in: desk.layout.inbox).isEmpty)
        // No claim is left behind, and no item journal: every batch finished.
        let claimFolders = (try? FileSystem.entries(of: desk.layout.claims)) ?? []
        for folder in claimFolders {
            let orgs = (try? FileSystem.entries(of: desk.layout.claims + "/" + folder.name)) ?? []
            for org in orgs where org.kind == .directory {
                #expect(desk.files(in: desk.layout.claims + "/" + folder.name + "/" + org.name).isEmpty)
            }
        }
        #expect(!desk.files(in: desk.layout.state(org: "default")).contains { $0.hasSuffix(".items.jsonl") })
        // Each result is complete: every item generated, in order, once.
        for name in results {
            let result = try desk.json(desk.layout.outbox(org: "default") + "/" + name)
            let batchID = String(name.dropLast(".result.json".count))
            let stem = batchID.split(separator: "-").dropLast().joined(separator: "-")
            let items = result["items"]?.arrayValue ?? []
            #expect(items.count == expected[stem + ".json"], "\(name) has every item")
            #expect(items.enumerated().allSatisfy { $0.element["index"]?.intValue == $0.offset })
            #expect(items.allSatisfy { $0["status"]?.stringValue == "generated" })
            let status = try desk.json(desk.layout.status(org: "default", batchID: batchID))
            #expect(status["status"]?.stringValue == "completed")
        }
    }

    /// A crash after the final status but before the clean-up leaves the request in a claim and
    /// the item journal in state/: the restart archives the request and removes the journal.
    @Test func aRestartAfterTheFinalStatusLeavesNoItemJournalBehind() throws {
        let desk = try TestDesk(config: #"{"checkpoint_items": 100}"#)
        let text = Self.request("big", items: 250)
        try desk.drop(text, as: "big.json")
        _ = try TestDesk.run(["process", desk.root])
        let batch = try #require(desk.results().first.map { String($0.dropLast(".result.json".count)) })
        // Put the state back as a crash between the final status and the clean-up leaves it.
        let archived = desk.layout.archive(org: "default") + "/" + batch + ".json"
        let claim = desk.layout.claims + "/deadhost.1/default"
        try FileSystem.createDirectory(claim)
        try FileSystem.rename(archived, to: claim + "/1.big.json")
        let journal = desk.layout.itemJournal(org: "default", batchID: batch)
        try desk.write("", to: journal)

        let run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: journal), "the item journal is removed")
        #expect(FileManager.default.fileExists(atPath: archived), "the request is archived")
        #expect(desk.results().count == 1)
        #expect(desk.files(in: desk.layout.archive(org: "default")).count == 1)
    }
}
