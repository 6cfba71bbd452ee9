import Desk
import DeskKit
import Foundation
import Testing

func temporaryLayout() throws -> DeskLayout {
    var template = Array((NSTemporaryDirectory() + "/copydesk-desk.XXXXXX").utf8CString)
    guard let path = mkdtemp(&template) else { throw Errno(errno, "mkdtemp") }
    let layout = DeskLayout(root: String(cString: path))
    for folder in layout.requiredFolders { try FileSystem.createDirectory(folder) }
    return layout
}

struct BatchIDTests {
    @Test(arguments: [
        ("leads 2026/11.json", "leads-2026-11-7f3a9c1e"),
        ("welcome.json", "welcome-7f3a9c1e"),
        ("..hidden.json", "hidden-7f3a9c1e"),
        ("été.json", "t-7f3a9c1e"),
        ("???.json", "batch-7f3a9c1e"),
    ])
    func theStemIsMadeSafeAndTheHashAppended(name: String, id: String) {
        #expect(BatchID.make(name: name, hexDigest: "7f3a9c1e0123") == id)
    }

    @Test func longStemsAreCut() {
        let id = BatchID.make(name: String(repeating: "a", count: 200) + ".json", hexDigest: "0123456789")
        #expect(id == String(repeating: "a", count: 64) + "-01234567")
    }
}

struct DedupIndexTests {
    @Test func theFirstClaimWinsAndARestartFindsItsOwn() throws {
        let layout = try temporaryLayout()
        let index = DedupIndex(layout: layout)
        #expect(try index.claim(.content, "abc123", for: "a-1", org: "default") == .new)
        #expect(try index.claim(.content, "abc123", for: "a-1", org: "default") == .same)
        #expect(try index.claim(.content, "abc123", for: "b-2", org: "default") == .duplicate(of: "a-1"))
        #expect(try index.claim(.idempotencyKey, "k/1", for: "b-2", org: "default") == .new)
        #expect(try index.claim(.idempotencyKey, "k/1", for: "c-3", org: "default") == .duplicate(of: "b-2"))
        // Orgs do not share an index.
        #expect(try index.claim(.content, "abc123", for: "z-9", org: "acme") == .new)
    }
}

struct ItemJournalTests {
    @Test func outcomesSurviveAndATornLineSpoilsNothing() throws {
        let layout = try temporaryLayout()
        let journal = ItemJournal(path: layout.state + "/b.items.jsonl")
        #expect(journal.load().isEmpty)
        try journal.append([
            ItemOutcome(index: 0, id: "a", state: .generated, content: JSONObject([("s", "x")])),
            ItemOutcome(index: 1, id: "b", state: .failed, error: DeskError(.renderError, "boom")),
        ])
        // A crash in the middle of a write leaves half a line.
        let fd = open(journal.path, O_WRONLY | O_APPEND | O_CLOEXEC)
        _ = write(fd, "{\"index\": 2, \"sta", 17)
        close(fd)
        try journal.append([ItemOutcome(index: 3, id: "d", state: .generated, content: JSONObject())])
        let loaded = journal.load()
        #expect(loaded.keys.sorted() == [0, 1, 3])
        #expect(loaded[0]?.content?["s"] == "x")
        #expect(loaded[1]?.error?.code == .renderError)
        journal.remove()
        #expect(!FileSystem.exists(journal.path))
    }
}
