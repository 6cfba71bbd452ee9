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

    @Test func aFailedFlushReachesItsCaller() {
        #expect {
            try DirectorySync().sync("/nonexistent-copydesk-folder")
        } throws: { ($0 as? Errno)?.code == ENOENT }
    }
}
