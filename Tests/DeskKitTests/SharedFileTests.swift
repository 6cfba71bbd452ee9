import DeskKit
import Foundation
import Testing

/// The helpers processes sharing a desk use on shared files: a lock, a cheap change check and a
/// log followed from an offset.
struct SharedFileTests {
    @Test func aFileLockKeepsOtherHoldersOutUntilItIsReleased() throws {
        let folder = try temporaryFolder()
        let lock = FileLock(path: folder + "/sub/x.lock")
        /// Whether another open file description of the lock file could take it now.
        func free() throws(Errno) -> Bool {
            let fd = try FileDescriptor.open(lock.path, O_RDWR)
            defer { fd.close() }
            return flock(fd.rawValue, LOCK_EX | LOCK_NB) == 0
        }
        let inside = try lock.withExclusive { _ throws(Errno) -> Bool in try free() }
        #expect(!inside)
        #expect(try free())
        // Released when the body throws, too.
        #expect(throws: Errno.self) {
            try lock.withExclusive { _ throws(Errno) in throw Errno(EIO, "body") }
        }
        #expect(try free())
    }

    @Test func aFileLockSerialisesThreadsOfOneProcess() throws {
        let folder = try temporaryFolder()
        let lock = FileLock(path: folder + "/x.lock")
        let path = folder + "/count"
        try AtomicFile.write(Array("0".utf8), to: path, syncDirectory: false)
        // A read-modify-write by each of four threads, 50 times: none is lost.
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<50 {
                try? lock.withExclusive { _ throws(Errno) in
                    let bytes = try FileSystem.readFile(path) ?? []
                    let n = Int(String(decoding: bytes, as: UTF8.self)) ?? -1
                    try AtomicFile.write(Array(String(n + 1).utf8), to: path, syncDirectory: false)
                }
            }
        }
        #expect(try FileSystem.readFile(path) == Array("200".utf8))
    }

    @Test func aFileStampChangesWhenTheFileIsReplacedOrWritten() throws {
        let folder = try temporaryFolder()
        let path = folder + "/c.json"
        #expect(try FileStamp.of(path) == nil)
        try AtomicFile.write(Array("one".utf8), to: path, syncDirectory: false)
        let first = try #require(try FileStamp.of(path))
        #expect(try FileStamp.of(path) == first)
        try AtomicFile.write(Array("two".utf8), to: path, syncDirectory: false)
        let second = try #require(try FileStamp.of(path))
        #expect(second != first)
        try AppendLog(path: path).append(Array("\n".utf8))
        #expect(try FileStamp.of(path) != second)
    }

    @Test func aLogIsFollowedFromAnOffset() throws {
        let folder = try temporaryFolder()
        let log = AppendLog(path: folder + "/l.jsonl")
        #expect(log.read().end == 0)
        #expect(try log.append([]) == nil)
        #expect(!FileSystem.exists(log.path))
        let end = try #require(try log.append(Array("{\"n\": 1}\n{\"n\": 2}\n".utf8), sync: false))
        try log.sync()
        let all = log.read()
        #expect(all.values.map { $0["n"] } == [1, 2])
        #expect(all.end == end)
        // Another writer appends one whole line and half of the next.
        let fd = try FileDescriptor.open(log.path, O_WRONLY | O_APPEND)
        try fd.writeAll(Array("{\"n\": 3}\n{\"n\": 4".utf8))
        fd.close()
        let next = log.read(from: all.end)
        #expect(next.values.map { $0["n"] } == [3])
        #expect(next.end == all.end + 9)
        #expect(log.read(from: next.end).values.isEmpty)
        #expect(log.read(from: next.end).end == next.end)
        // The torn line is closed off by the next append, and skipped.
        try log.append(Array("{\"n\": 5}\n".utf8))
        #expect(log.read(from: next.end).values.map { $0["n"] } == [5])
    }
}
