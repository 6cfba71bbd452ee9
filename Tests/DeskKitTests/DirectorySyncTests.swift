import DeskKit
import Foundation
import Testing

struct DirectorySyncTests {
    @Test func eachCallIsCoveredByAFlushThatStartsAfterIt() throws {
        let folder = try temporaryFolder()
        let sync = DirectorySync()
        // Alone, every call makes its own flush: none is running to share.
        for expected in 1...3 {
            try sync.sync(folder)
            #expect(sync.fsyncCount == expected)
        }
    }

    @Test func concurrentCallersAllReturnAndNeverMoreFlushesThanCallers() async throws {
        let folder = try temporaryFolder()
        let sync = DirectorySync()
        let callers = 32
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<callers {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        Thread.detachNewThread {
                            continuation.resume(returning: (try? sync.sync(folder)) == nil)
                        }
                    }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 0)
        #expect(sync.fsyncCount >= 1 && sync.fsyncCount <= callers)
    }

    @Test func aRoundFlushesEachFolderAskedForOnceAndReportsFailuresOnlyToTheirCallers() throws {
        let a = try temporaryFolder()
        let b = try temporaryFolder()
        let sync = DirectorySync()
        try sync.sync([a, b, a])
        #expect(sync.fsyncCount == 2, "a folder asked for twice is flushed once")
        #expect {
            try sync.sync([a, "/nonexistent-copydesk-folder"])
        } throws: { ($0 as? Errno)?.code == ENOENT }
        // A folder that failed in a round this caller shares (left there by another, with
        // syncLater) does not fail it; a vanished folder is not tried again.
        sync.syncLater("/nonexistent-copydesk-folder")
        let before = sync.fsyncCount
        try sync.sync([b])
        #expect(sync.fsyncCount == before + 2)
        try sync.sync([b])
        #expect(sync.fsyncCount == before + 3)
    }

    @Test func aFolderLeftForLaterRidesWithTheNextRoundOrTheFinalFlush() throws {
        let a = try temporaryFolder()
        let b = try temporaryFolder()
        let sync = DirectorySync()
        sync.syncLater(a)
        #expect(sync.fsyncCount == 0, "nobody waits for it")
        try sync.sync([b])
        #expect(sync.fsyncCount == 2, "the next round flushes it too")
        try sync.flushPending()
        #expect(sync.fsyncCount == 2, "nothing was left")
        sync.syncLater(a)
        sync.syncLater(a)
        try sync.flushPending()
        #expect(sync.fsyncCount == 3)
    }

    @Test func aFailedFlushReachesItsCaller() {
        #expect {
            try DirectorySync().sync("/nonexistent-copydesk-folder")
        } throws: { ($0 as? Errno)?.code == ENOENT }
    }
}
