import DeskKit
import Foundation
import Intake
import Testing

func temporaryFolder() throws -> String {
    var template = Array((NSTemporaryDirectory() + "/copydesk-intake.XXXXXX").utf8CString)
    guard let path = mkdtemp(&template) else { throw Errno(errno, "mkdtemp") }
    return String(cString: path)
}

/// A desk layout with its folders, in a fresh temporary folder.
func temporaryLayout() throws -> DeskLayout {
    let layout = DeskLayout(root: try temporaryFolder())
    for folder in layout.requiredFolders { try FileSystem.createDirectory(folder) }
    return layout
}

struct ClaimStoreTests {
    @Test func aClaimMovesTheFileOutOfTheInboxOnce() throws {
        let layout = try temporaryLayout()
        let store = ClaimStore(layout: layout)
        try store.open()
        defer { store.close() }
        try AtomicFile.write(Array("{}".utf8), to: layout.inbox + "/a.json")
        let file = InboxFile(org: "default", name: "a.json", path: layout.inbox + "/a.json")
        let claimed = try #require(try store.claim(file, detectedAt: 1))
        #expect(claimed.name == "a.json")
        #expect(claimed.path.hasPrefix(store.folder + "/default/"))
        #expect(FileSystem.exists(claimed.path))
        #expect(!FileSystem.exists(file.path))
        // A second claim of the same file (a duplicate event) finds nothing.
        #expect(try store.claim(file, detectedAt: 2) == nil)
        // Releasing puts it back under its own name.
        try store.release(claimed)
        #expect(FileSystem.exists(file.path))
    }

    @Test func claimsOfADeadProcessAreRecoveredAndLiveOnesAreNot() throws {
        let layout = try temporaryLayout()
        // A dead process's claim folder: its lock is free.
        let dead = layout.claims + "/otherhost.4242"
        try FileSystem.createDirectory(dead + "/acme")
        try AtomicFile.write([], to: dead + "/.lock")
        try AtomicFile.write(Array("{}".utf8), to: dead + "/acme/7.launch.json")
        // A live process's claim folder: its lock is held.
        let live = layout.claims + "/otherhost.4343"
        try FileSystem.createDirectory(live + "/default")
        try AtomicFile.write([], to: live + "/.lock")
        try AtomicFile.write(Array("{}".utf8), to: live + "/default/1.busy.json")
        let lock = open(live + "/.lock", O_RDWR | O_CLOEXEC)
        defer { close(lock) }
        #expect(flock(lock, LOCK_EX | LOCK_NB) == 0)

        let store = ClaimStore(layout: layout)
        try store.open()
        defer { store.close() }
        let recovered = try store.recover(detectedAt: 0)
        #expect(recovered.map(\.name) == ["launch.json"])
        #expect(recovered.first?.org == "acme")
        #expect(recovered.first?.recovered == true)
        #expect(recovered.allSatisfy { FileSystem.exists($0.path) && $0.path.hasPrefix(store.folder) })
        #expect(!FileSystem.exists(dead))
        #expect(FileSystem.exists(live + "/default/1.busy.json"))
    }
}

extension ClaimStoreTests {
    @Test func eachRecoveredFileIsReportedOnce() throws {
        // Directory order is the filesystem's: with many dead folders, some are listed before
        // this process's own folder, into which their files are moved.
        let layout = try temporaryLayout()
        for n in 0..<24 {
            let dead = layout.claims + "/host\(n).\(10_000 + n)"
            try FileSystem.createDirectory(dead + "/default")
            try AtomicFile.write([], to: dead + "/.lock")
            try AtomicFile.write(Array("{}".utf8), to: dead + "/default/1.f\(n).json")
        }
        let store = ClaimStore(layout: layout)
        try store.open()
        defer { store.close() }
        let recovered = try store.recover(detectedAt: 0)
        #expect(recovered.count == 24)
        #expect(Set(recovered.map(\.name)).count == 24)
        #expect(Set(recovered.map(\.path)).count == 24)
    }
}

struct WriterCheckTests {
    @Test func aFileOpenForWritingIsNotReady() throws {
        let folder = try temporaryFolder()
        let path = folder + "/slow.json"
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        #expect(fd >= 0)
        let whileOpen = WriterCheck.check(path)
        close(fd)
        // Leases need the file's owner or CAP_LEASE; where they are refused the answer is unknown.
        #expect(whileOpen == .open || whileOpen == .unknown)
        let afterClose = WriterCheck.check(path)
        #expect(afterClose == .closed || (whileOpen == .unknown && afterClose == .unknown))
        #expect(WriterCheck.check(folder + "/missing") == .missing)
    }
}
