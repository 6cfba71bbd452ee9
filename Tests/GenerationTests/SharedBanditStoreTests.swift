import DeskKit
import Foundation
import Generation
import Synchronization
import Testing

/// Several processes on one desk: each has its own ``BanditStore`` over the same folder. Two
/// stores here stand for two processes (nothing is shared between them but the files).
struct SharedBanditStoreTests {
    static let day = DayIndex.of(now) - 1

    static func events(_ copyID: String, _ count: Int, template: String = "t") -> [BanditStore.CountedEvent] {
        (0..<count).map { _ in
            BanditStore.CountedEvent(delivery: .init(templateID: template, copyID: copyID), kind: .impression, day: day)
        }
    }

    /// The counters file as it is on disk.
    static func onDisk(_ layout: DeskLayout, template: String = "t") throws -> TemplateCounters {
        let bytes = try #require(try FileSystem.readFile(layout.bandit(org: "default") + "/counters/\(template).json"))
        return try #require(TemplateCounters(json: try JSONValue.parse(bytes)))
    }

    static func impressions(_ counters: TemplateCounters?, _ copyID: String) -> Int {
        counters?.variants[copyID]?.total(in: day...day).impressions ?? 0
    }

    @Test func twoStoresApplyingDifferentFilesLeaveBothCountedOnce() throws {
        let layout = try temporaryLayout()
        let first = BanditStore(layout: layout)
        let second = BanditStore(layout: layout)
        // Both have read the org's (empty) counters before either applies anything.
        #expect(first.counters(org: "default", templateID: "t") == nil)
        #expect(second.counters(org: "default", templateID: "t") == nil)
        #expect(try first.apply(Self.events("a", 3), digest: "d1", org: "default").counted == 3)
        #expect(try second.apply(Self.events("b", 5), digest: "d2", org: "default").counted == 5)
        var file = try Self.onDisk(layout)
        #expect(Self.impressions(file, "a") == 3)
        #expect(Self.impressions(file, "b") == 5)
        #expect(file.applied == ["d1", "d2"])
        // Each file counts once, whichever process sees it again.
        #expect(try second.apply(Self.events("a", 3), digest: "d1", org: "default").skipped == 3)
        #expect(try first.apply(Self.events("b", 5), digest: "d2", org: "default").skipped == 5)
        #expect(try first.apply(Self.events("a", 1), digest: "d3", org: "default").counted == 1)
        file = try Self.onDisk(layout)
        #expect(Self.impressions(file, "a") == 4)
        #expect(Self.impressions(file, "b") == 5)
        #expect(file.applied == ["d1", "d2", "d3"])
        #expect(first.counters(org: "default", templateID: "t") == file)
    }

    @Test func storesApplyingAtOnceLoseNoCount() throws {
        let layout = try temporaryLayout()
        let stores = [BanditStore(layout: layout), BanditStore(layout: layout)]
        for store in stores { _ = store.counters(org: "default", templateID: "t") }
        let filesEach = 20
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { s in
            for f in 0..<filesEach {
                do {
                    let outcome = try stores[s].apply(
                        Self.events(s == 0 ? "a" : "b", 2) + Self.events("shared", 1), digest: "s\(s)-f\(f)",
                        org: "default")
                    if outcome.counted != 3 { failures.withLock { $0.append("s\(s)-f\(f): \(outcome)") } }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let file = try Self.onDisk(layout)
        #expect(Self.impressions(file, "a") == 2 * filesEach)
        #expect(Self.impressions(file, "b") == 2 * filesEach)
        #expect(Self.impressions(file, "shared") == 2 * filesEach)
        #expect(Set(file.applied).count == 2 * filesEach)
    }

    @Test func aChoiceSeesAnotherProcesssCountsWithinASecond() throws {
        let layout = try temporaryLayout()
        let chooserSide = BanditStore(layout: layout)
        let eventsSide = BanditStore(layout: layout)
        // A store that looks at the file once an hour at most has just looked: it does not see
        // the change (no timing involved, the hour cannot pass during the test).
        let throttled = BanditStore(layout: layout, refreshInterval: .seconds(3600))
        #expect(chooserSide.counters(org: "default", templateID: "t") == nil)
        #expect(throttled.counters(org: "default", templateID: "t") == nil)
        _ = try eventsSide.apply(Self.events("a", 7), digest: "d1", org: "default")
        #expect(throttled.counters(org: "default", templateID: "t") == nil)
        // Seen at a later look (polled: a loaded machine may stretch the second); never missed.
        let deadline = Date().addingTimeInterval(30)
        while Self.impressions(chooserSide.counters(org: "default", templateID: "t"), "a") != 7 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(Self.impressions(chooserSide.counters(org: "default", templateID: "t"), "a") == 7)
        // A store told to look every time sees a change at once.
        let eager = BanditStore(layout: layout, refreshInterval: .zero)
        #expect(Self.impressions(eager.counters(org: "default", templateID: "t"), "a") == 7)
        _ = try eventsSide.apply(Self.events("a", 2), digest: "d2", org: "default")
        #expect(Self.impressions(eager.counters(org: "default", templateID: "t"), "a") == 9)
        // A chooser over it exploits what the other process counted.
        let template = try copyTemplate(
            #"{"id": "t", "approved": true, "bandit": {"algorithm": "epsilon_greedy", "epsilon": 0, "min_impressions": 5}, "variants": [{"id": "a", "vars": {}}, {"id": "b", "vars": {}}]}"#
        )
        let options = ChoiceOptions(lookbackDays: 5, offsetDays: 0, trace: true)
        let conversions = (0..<3).map { _ in
            BanditStore.CountedEvent(delivery: .init(templateID: "t", copyID: "b"), kind: .conversion, day: Self.day)
        }
        _ = try eventsSide.apply(Self.events("b", 6) + conversions, digest: "d3", org: "default")
        let choice = try VariantChooser(store: eager, seed: 1).choose(
            template, for: workItem(options: options), org: "default", now: now
        ).get()
        #expect(choice.trace?["phase"] == "exploit")
        #expect(template.variants[choice.index].id == "b")
    }

    @Test func twoStoresClaimingForOneNewUserAgree() throws {
        let layout = try temporaryLayout()
        let first = BanditStore(layout: layout)
        let second = BanditStore(layout: layout)
        // Both have read the (empty) assignments before either claims.
        #expect(first.stickyVariant(org: "default", userID: "u", templateID: "t") == nil)
        #expect(second.stickyVariant(org: "default", userID: "u", templateID: "t") == nil)
        let any: (String) -> Bool = { _ in true }
        #expect(
            first.claimSticky(org: "default", userID: "u", templateID: "t", proposed: "a", eligible: any, at: now)
                == "a")
        #expect(
            second.claimSticky(org: "default", userID: "u", templateID: "t", proposed: "b", eligible: any, at: now)
                == "a")
        #expect(second.stickyVariant(org: "default", userID: "u", templateID: "t") == "a")
        try first.sync()
        try second.sync()
        #expect(BanditStore(layout: layout).stickyVariant(org: "default", userID: "u", templateID: "t") == "a")

        // "a" is withdrawn: the second process moves the user to "b"; the first follows.
        let notA: (String) -> Bool = { $0 != "a" }
        #expect(
            second.claimSticky(org: "default", userID: "u", templateID: "t", proposed: "b", eligible: notA, at: now)
                == "b")
        #expect(
            first.claimSticky(org: "default", userID: "u", templateID: "t", proposed: "c", eligible: notA, at: now)
                == "b")
        try first.sync()
        try second.sync()
        #expect(BanditStore(layout: layout).stickyVariant(org: "default", userID: "u", templateID: "t") == "b")
    }

    @Test func storesClaimingAtOnceAgreeOnEveryUser() throws {
        let layout = try temporaryLayout()
        let stores = [BanditStore(layout: layout), BanditStore(layout: layout)]
        for store in stores { _ = store.stickyVariant(org: "default", userID: "nobody", templateID: "t") }
        let users = 200
        let answers = Mutex<[[String]]>([[], []])
        DispatchQueue.concurrentPerform(iterations: 2) { s in
            var mine: [String] = []
            for u in 0..<users {
                mine.append(
                    stores[s].claimSticky(
                        org: "default", userID: "u\(u)", templateID: "t", proposed: s == 0 ? "a" : "b",
                        eligible: { _ in true }, at: now))
            }
            answers.withLock { $0[s] = mine }
        }
        let (first, second) = answers.withLock { ($0[0], $0[1]) }
        #expect(first.count == users)
        #expect(first == second)
        for store in stores { try store.sync() }
        // The log holds one claim per user: every later claimer found it.
        let log = AppendLog(path: layout.bandit(org: "default") + "/sticky.jsonl").read().values
        #expect(log.count == users)
        let restarted = BanditStore(layout: layout)
        for u in 0..<users {
            #expect(restarted.stickyVariant(org: "default", userID: "u\(u)", templateID: "t") == first[u])
        }
    }
}
