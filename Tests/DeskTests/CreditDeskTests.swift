import Desk
import DeskKit
import Foundation
import Testing

/// Org credit budgets through a real desk: spent at admission, `INSUFFICIENT_CREDITS` past the
/// balance, refunded on cancel and on failure, once per batch whatever crashes happen.
@Suite struct CreditDeskTests {
    static func native(_ count: Int, template: String = "hello", schedule: String = "") -> String {
        let items = (0..<count).map { #"{"id": "r\#($0)", "fields": {"name": "N\#($0)"}}"# }.joined(separator: ",")
        return #"{"template_id": "\#(template)", \#(schedule) "items": [\#(items)]}"#
    }

    static func balance(_ desk: ScheduledDesk, org: String = "default") throws -> Int? {
        try StatusReport(layout: desk.layout).credits.first { $0.org == org }?.balance
    }

    @Test func creditsRunOutInTheMiddleOfABatch() async throws {
        let desk = try ScheduledDesk(at: "2026-11-23T10:00:00Z", config: #"{"orgs": {"default": {"credits": 3}}}"#)
        #expect(try Self.balance(desk) == 3)
        let batch = try desk.drop(Self.native(5), as: "five.json")
        try await desk.pass()
        let status = try desk.status(batch)
        #expect(status["items"]?.arrayValue?.map { $0["status"] } == ["generated", "generated", "generated", "rejected", "rejected"])
        #expect(status["items"]?[3]?["error"]?["code"] == "INSUFFICIENT_CREDITS")
        #expect(status["items"]?[4]?["error"]?["message"]?.stringValue?.contains("orgs.default.credits") == true)
        #expect(try Self.balance(desk) == 0)
        #expect(try StatusReport(layout: desk.layout).table().contains("credits default: 0 of 3 left (3 used)"))
        // Nothing is left for the next batch.
        let next = try desk.drop(Self.native(1), as: "one.json")
        try await desk.pass()
        #expect(try desk.status(next)["items"]?[0]?["error"]?["code"] == "INSUFFICIENT_CREDITS")
    }

    @Test func aTentedBatchBeyondTheBalanceAnswersInsufficientCredits() async throws {
        let desk = try TentedDeskTests.desk(config: #"{"orgs": {"default": {"credits": 2}}}"#)
        let batch = try desk.drop(TentedExample.request, as: "acme.json")
        try await desk.pass()
        let result = try desk.result(batch)
        #expect(result["accepted_count"] == 2)
        #expect(result["items"]?[2]?["error_code"] == "INSUFFICIENT_CREDITS")
        #expect(try Self.balance(desk) == 0)
        // The item that was not admitted gave its alias back.
        #expect(TentedDeskTests.page(desk, "acme-onboarding-sarah") == nil)
        #expect(!FileSystem.exists(desk.layout.state(org: "default") + "/aliases/acme-onboarding-sarah.json"))
        #expect(FileSystem.exists(desk.layout.state(org: "default") + "/aliases/acme-onboarding-jane.json"))
    }

    @Test func anItemThatFailsBeforeGenerationIsRefunded() async throws {
        let desk = try ScheduledDesk(at: "2026-11-23T10:00:00Z", config: #"{"orgs": {"default": {"credits": 10}}}"#)
        let batch = try desk.drop(
            #"{"items": [{"id": "ok", "template_id": "hello", "fields": {"name": "A"}}, {"id": "gone", "template_id": "missing"}]}"#,
            as: "mixed.json")
        try await desk.pass()
        #expect(try desk.status(batch)["items"]?[1]?["status"] == "failed")
        #expect(try Self.balance(desk) == 9)
        let ledger = AppendLog(path: desk.layout.state(org: "default") + "/credits.jsonl").read().values
        #expect(ledger.map { $0["spend"] } == [2, nil])
        #expect(ledger.last?["refund"] == [1])
    }

    @Test func cancellingAScheduledBatchRefundsItsPendingItems() async throws {
        let desk = try ScheduledDesk(at: "2026-11-23T10:00:00Z", config: #"{"orgs": {"default": {"credits": 5}}}"#)
        let schedule = #""schedule": {"strategy": "distribute", "start": "2026-12-01T09:00:00Z", "end": "2026-12-01T14:00:00Z"},"#
        let batch = try desk.drop(Self.native(4, schedule: schedule), as: "later.json")
        try await desk.pass()
        #expect(try Self.balance(desk) == 1)
        // A restart recovers the batch from its archive without spending again.
        try desk.restart()
        try await desk.pass()
        #expect(try Self.balance(desk) == 1)
        try desk.drop(#"{"cancel": "\#(batch)"}"#, as: "cancel.json")
        try await desk.pass()
        #expect(try desk.status(batch)["status"] == "cancelled")
        #expect(try Self.balance(desk) == 5)
    }

    @Test func aBatchAdmittedAgainAfterACrashSpendsOnce() throws {
        let layout = try temporaryLayout()
        let clock = TestClock(Timestamp(iso8601: "2026-11-23T10:00:00Z")!)
        let items = (0..<4).map { WorkItem(index: $0, id: "r\($0)", templateID: "t") }
        var first = BatchRequest(format: "native", items: items)
        try CreditLedger(layout: layout, budgets: ["acme": 3], clock: clock).admit(&first, batchID: "b-1", org: "acme")
        // Another process (a fresh ledger) admits the same batch again: same items, no new spend.
        var again = BatchRequest(format: "native", items: items)
        let other = CreditLedger(layout: layout, budgets: ["acme": 3], clock: clock)
        try other.admit(&again, batchID: "b-1", org: "acme")
        #expect(again.items.map { $0.rejection?.code } == [nil, nil, nil, .insufficientCredits])
        #expect(first.items.map { $0.rejection?.code } == again.items.map { $0.rejection?.code })
        #expect(other.balance(org: "acme")?.balance == 0)
        // Refunds count once, however often they are repeated.
        try other.refund([0, 1], batchID: "b-1", org: "acme")
        try other.refund([1], batchID: "b-1", org: "acme")
        #expect(other.balance(org: "acme")?.balance == 2)
        // An org without a budget is unlimited and has no ledger.
        var free = BatchRequest(format: "native", items: items)
        try other.admit(&free, batchID: "b-2", org: "other")
        #expect(free.items.allSatisfy { $0.rejection == nil })
        #expect(!FileSystem.exists(other.path(org: "other")))
    }

    @Test func processesSharingTheDeskNeverSpendTheSameCreditTwice() async throws {
        let layout = try temporaryLayout()
        let clock = TestClock(Timestamp(iso8601: "2026-11-23T10:00:00Z")!)
        // Independent ledgers stand for independent processes: only the lock file is shared.
        let admitted = await withTaskGroup(of: Int.self) { group in
            for n in 0..<8 {
                group.addTask {
                    let ledger = CreditLedger(layout: layout, budgets: ["acme": 10], clock: clock)
                    var request = BatchRequest(
                        format: "native", items: (0..<3).map { WorkItem(index: $0, id: "r\($0)", templateID: "t") })
                    try? ledger.admit(&request, batchID: "b-\(n)", org: "acme")
                    return request.items.filter { $0.rejection == nil }.count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(admitted == 10)
        #expect(CreditLedger(layout: layout, budgets: ["acme": 10], clock: clock).balance(org: "acme")?.balance == 0)
    }
}
