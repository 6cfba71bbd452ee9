import DeskKit
import Foundation
import Intake
import Testing

@testable import Desk

/// Several processes on one desk: the lease on a scheduled batch decides which one works on it.
@Suite struct LeaseTests {
    let a = ProcessIdentity(host: "host-a", pid: 1001)
    let b = ProcessIdentity(host: "host-b", pid: 2002)

    @Test func takingALeaseIsWonOnceAndATakeoverEndsTheFormerHolders() throws {
        let layout = try temporaryLayout()
        let now = Timestamp(iso8601: "2026-11-23T09:00:00Z")!
        let bookA = LeaseBook(layout: layout, identity: a)
        let bookB = LeaseBook(layout: layout, identity: b)
        let first = try #require(try bookA.take(org: "default", batchID: "x", replacing: nil, at: now))
        #expect(first.generation == 1)
        // Someone who also saw no holder loses the race.
        #expect(try bookB.take(org: "default", batchID: "x", replacing: nil, at: now) == nil)
        let holder = try #require(bookB.holder(org: "default", batchID: "x"))
        #expect(holder.owner == a.tag && holder.generation == 1)
        #expect(bookA.holds(first))
        #expect(bookA.renew(first, renewals: 1, at: now))
        #expect(bookB.holder(org: "default", batchID: "x")?.renewals == 1)
        // Taking over from what B saw (before the renewal) still wins: generations, not counters.
        let second = try #require(try bookB.take(org: "default", batchID: "x", replacing: holder, at: now))
        #expect(second.generation == 2)
        #expect(!bookA.holds(first))
        #expect(!bookA.renew(first, renewals: 2, at: now))
        #expect(bookB.holds(second))
        let files = try FileSystem.entries(of: layout.lease(org: "default", batchID: "x")).map(\.name).filter {
            !$0.hasPrefix(".")
        }
        #expect(files == ["2.json"])
        bookB.release(second)
        #expect(bookB.holder(org: "default", batchID: "x") == nil)
    }

    /// A desk of its own identity on `layout`, on `clock`.
    func desk(_ layout: DeskLayout, _ clock: TestClock, as identity: ProcessIdentity) throws -> Desk {
        try Desk(root: layout.root, logger: .silent, clock: clock, randomSeed: 7, identity: identity)
    }

    func drop(_ text: String, as name: String, in layout: DeskLayout) throws -> String {
        let path = layout.inbox + "/" + name
        try AtomicFile.write(Array(text.utf8), to: path)
        var times = [timespec(tv_sec: 946_684_800, tv_nsec: 0), timespec(tv_sec: 946_684_800, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, path, &times, 0)
        return BatchID.make(name: name, hexDigest: SHA256.hexDigest(Array(text.utf8)))
    }

    func published(_ layout: DeskLayout, _ batch: String) -> [String] {
        ((try? FileSystem.entries(of: layout.published(org: "default", batchID: batch))) ?? []).map(\.name)
            .filter { !$0.hasPrefix(".") }.sorted()
    }

    @Test func aLiveHoldersBatchIsLeftAloneAndADeadHoldersIsTakenOverAndPublishedOnce() async throws {
        let layout = try temporaryLayout()
        let clock = TestClock(Timestamp(iso8601: "2025-01-20T06:00:00Z")!)
        let batch = try drop(waldium(tenPosts, count: 4), as: "posts.json", in: layout)
        _ = try await desk(layout, clock, as: b).processOnce()  // admitted (and its lease let go)

        // Process A is alive (its claim folder is locked) and holds the batch.
        let claimsA = ClaimStore(layout: layout, identity: a)
        try claimsA.open()
        _ = try #require(try LeaseBook(layout: layout, identity: a).take(
            org: "default", batchID: batch, replacing: nil, at: clock.now()))

        clock.set(Timestamp(iso8601: "2025-01-20T15:00:00Z")!)  // everything is overdue
        _ = try await desk(layout, clock, as: b).processOnce()
        #expect(published(layout, batch).isEmpty, "B must not touch a batch A holds")

        claimsA.close()  // A dies: its lock is free
        _ = try await desk(layout, clock, as: b).processOnce()
        #expect(published(layout, batch) == ["sched_1.md", "sched_2.md", "sched_3.md", "sched_4.md"])
        let status = try JSONValue.parse(try FileSystem.readFile(layout.status(org: "default", batchID: batch))!)
        #expect(status["status"] == "completed")
        #expect(!FileSystem.exists(layout.lease(org: "default", batchID: batch)), "a finished batch leaves no lease")
    }

    @Test func aLeaseNotRenewedForTheLeaseTimeIsTakenOverByAnObserver() async throws {
        let layout = try temporaryLayout()
        try AtomicFile.write(Array(#"{"schedule": {"lease_seconds": 30}}"#.utf8), to: layout.root + "/copydesk.json")
        let clock = TestClock(Timestamp(iso8601: "2025-01-20T06:00:00Z")!)
        let batch = try drop(waldium(tenPosts, count: 2), as: "posts.json", in: layout)
        _ = try await desk(layout, clock, as: b).processOnce()

        // A hung holder: alive (locked claim folder) but it never renews.
        let claimsA = ClaimStore(layout: layout, identity: a)
        try claimsA.open()
        defer { claimsA.close() }
        _ = try #require(try LeaseBook(layout: layout, identity: a).take(
            org: "default", batchID: batch, replacing: nil, at: clock.now()))

        clock.set(Timestamp(iso8601: "2025-01-20T15:00:00Z")!)
        let deskB = try desk(layout, clock, as: b)
        let executor = BlockingExecutor(threads: 2)
        defer { executor.shutdown() }
        let scheduler = deskB.makeScheduler(executor: executor)
        await scheduler.recover()  // first sight of A's lease
        #expect(await scheduler.batchCount == 0)
        clock.set(Timestamp(iso8601: "2025-01-20T15:00:29Z")!)
        await scheduler.maintainLeases()
        #expect(await scheduler.batchCount == 0, "29 s without a renewal is not yet expiry")
        clock.set(Timestamp(iso8601: "2025-01-20T15:00:40Z")!)  // the next check, past the lease time
        await scheduler.maintainLeases()
        #expect(await scheduler.batchCount == 1)
        await scheduler.runDue()
        #expect(published(layout, batch) == ["sched_1.md", "sched_2.md"])
        let holder = LeaseBook(layout: layout, identity: a).holder(org: "default", batchID: batch)
        #expect(holder == nil, "the batch finished under B, which removed the lease")
    }

    @Test func aClockJumpingBackAndForthPublishesNothingTwiceAndSkipsNothing() async throws {
        let desk = try ScheduledDesk(at: "2025-01-20T06:00:00Z")
        let batch = try desk.drop(waldium(tenPosts, count: 10), as: "jumps.json")
        try await desk.pass()
        desk.set("2025-01-20T10:10:00Z")
        try await desk.pass()
        #expect(desk.published(batch).count == 3)  // 09:00, 09:33:20, 10:06:40
        desk.set("2025-01-19T10:10:00Z")  // a day back
        try await desk.pass()
        #expect(desk.published(batch).count == 3)
        desk.set("2025-01-20T11:00:00Z")
        try await desk.pass()
        #expect(desk.published(batch).count == 4)
        let journal = desk.journal(batch).filter { $0["status"] == "published" }.compactMap { $0["index"]?.intValue }
        #expect(journal == Array(0..<4), "each once, in order")
        desk.set("2025-01-22T00:00:00Z")  // a jump far ahead: everything at once
        try await desk.pass()
        #expect(desk.published(batch).count == 10)
        #expect(try desk.progress(batch, "published") == 10)
    }
}
