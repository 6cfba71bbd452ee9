import DeskKit
import Foundation
import Generation
import Testing

/// A template parsed from JSON text.
func copyTemplate(_ text: String, id: String = "t") throws -> CopyTemplate {
    try CopyTemplate(json: try JSONValue.parse(text), id: id)
}

func workItem(
    copyID: String? = nil, userID: String? = nil, trackingID: String? = nil, bucket: String? = nil,
    attrs: JSONObject = JSONObject(), options: ChoiceOptions = ChoiceOptions(), template: String = "t"
) -> WorkItem {
    WorkItem(
        index: 0, templateID: template, copyID: copyID, userID: userID, trackingID: trackingID, bucket: bucket,
        attrs: attrs,
        options: options)
}

let now = Timestamp(iso8601: "2026-11-23T12:00:00Z")!

/// Counters with `perDay` impressions/conversions for each variant on every day of `days`.
func counters(_ template: String, _ variants: [String: (Int, Int)], days: ClosedRange<Int>) -> TemplateCounters {
    var c = TemplateCounters(templateID: template)
    for (id, (impressions, conversions)) in variants {
        var daily = DailyCounters()
        for day in days { daily.add(EventCounts(impressions: impressions, conversions: conversions), day: day) }
        daily.rebuild()
        c.variants[id] = daily
    }
    return c
}

struct TargetingTests {
    static let template = """
        {"id": "t", "approved": true, "variants": [
          {"id": "generic", "vars": {"s": "g"}},
          {"id": "premium", "attrs": {"Plan": "Premium"}, "vars": {"s": "p"}},
          {"id": "premium-east", "attrs": {"plan": "premium", "region": ["us-east", "eu-west"]}, "vars": {"s": "pe"}},
          {"id": "vip", "bucket": "vip", "vars": {"s": "v"}},
          {"id": "off", "approved": false, "vars": {"s": "o"}}]}
        """

    @Test(
        arguments: [
            ([:], nil as String?, ["generic"]),
            (["plan": "PREMIUM"], nil, ["premium"]),
            (["PLAN": "premium", "region": "US-EAST"], nil, ["premium-east"]),
            (["plan": "premium", "region": "asia"], nil, ["premium"]),
            (["plan": "free"], nil, ["generic"]),
            ([:], "vip", ["vip"]),
            ([:], "nobody", ["generic"]),
        ] as [([String: String], String?, [String])])
    func attrsAndBucketsNarrowTheVariants(attrs: [String: String], bucket: String?, expected: [String]) throws {
        let template = try copyTemplate(Self.template)
        let item = workItem(bucket: bucket, attrs: JSONObject(attrs.map { ($0.key, JSONValue.string($0.value)) }))
        let eligible = try VariantChooser().eligible(template, for: item).get()
        #expect(eligible.map { template.variants[$0].id } == expected)
    }

    @Test func copyIDForcesEvenAgainstTargeting() throws {
        let template = try copyTemplate(Self.template)
        let chooser = VariantChooser(seed: 1)
        let choice = try chooser.choose(template, for: workItem(copyID: "vip"), org: "o", now: now).get()
        #expect(template.variants[choice.index].id == "vip")
        #expect(choice.forced)
        for bad in ["nope", "off"] {
            #expect(throws: DeskError.self) {
                try chooser.choose(template, for: workItem(copyID: bad), org: "o", now: now).get()
            }
            if case .failure(let error) = chooser.choose(template, for: workItem(copyID: bad), org: "o", now: now) {
                #expect(error.code == .notFound)
            }
        }
    }

    @Test func noMatchingVariantIsNotFound() throws {
        let template = try copyTemplate(
            #"{"id": "t", "approved": true, "variants": [{"id": "a", "attrs": {"plan": "pro"}, "vars": {"s": "x"}}]}"#)
        guard case .failure(let error) = VariantChooser().eligible(template, for: workItem()) else {
            Issue.record("expected NOT_FOUND")
            return
        }
        #expect(error.code == .notFound)
        #expect(error.message.contains("attrs"))
    }

    @Test func weightsSplitRandomTrafficAndZeroTakesNone() throws {
        let template = try copyTemplate(
            #"{"id": "t", "approved": true, "variants": [{"id": "a", "weight": 3, "vars": {"s": "a"}}, {"id": "b", "vars": {"s": "b"}}, {"id": "z", "weight": 0, "vars": {"s": "z"}}]}"#
        )
        let chooser = VariantChooser(seed: 7)
        var counts: [String: Int] = [:]
        for _ in 0..<4_000 {
            let choice = try chooser.choose(template, for: workItem(), org: "o", now: now).get()
            counts[template.variants[choice.index].id, default: 0] += 1
        }
        #expect(counts["z"] == nil)
        let shareA = Double(counts["a", default: 0]) / 4_000
        #expect(shareA > 0.72 && shareA < 0.78)
    }

    @Test func aPausedVariantDoesNotHoldBackTheBandit() throws {
        let template = try copyTemplate(
            #"{"id": "t", "approved": true, "bandit": {"algorithm": "epsilon_greedy", "epsilon": 0}, "variants": [{"id": "a", "vars": {}}, {"id": "b", "vars": {}}, {"id": "z", "weight": 0, "vars": {}}]}"#
        )
        let store = BanditStore(layout: nil)
        let today = DayIndex.of(now)
        store.install(counters("t", ["a": (100, 1), "b": (100, 9)], days: (today - 5)...(today - 3)), org: "o")
        let chooser = VariantChooser(store: store, seed: 4)
        let choice = try chooser.choose(
            template, for: workItem(options: ChoiceOptions(trace: true)), org: "o", now: now
        ).get()
        #expect(choice.trace?["phase"] == "exploit")
        #expect(template.variants[choice.index].id == "b")
        #expect(try chooser.choose(template, for: workItem(copyID: "z"), org: "o", now: now).get().index == 2)
    }

    @Test(arguments: [
        #"{"id": "t", "approved": true, "variants": [{"id": "a", "attrs": {"x": {"y": 1}}, "vars": {}}]}"#,
        #"{"id": "t", "approved": true, "variants": [{"id": "a", "weight": -1, "vars": {}}]}"#,
        #"{"id": "t", "approved": true, "variants": [{"id": "a", "vars": {}}, {"id": "a", "vars": {}}]}"#,
        #"{"id": "t", "approved": true, "bandit": {"algorithm": "ucb"}, "variants": [{"id": "a", "vars": {}}]}"#,
        #"{"id": "t", "approved": true, "bandit": {"epsilon": 2}, "variants": [{"id": "a", "vars": {}}]}"#,
    ])
    func badTargetingOrBanditSettingsAreInvalidTemplates(text: String) {
        #expect {
            try copyTemplate(text)
        } throws: { ($0 as? DeskError)?.code == .invalidTemplate }
    }
}

struct AlgorithmTests {
    static let arms = [
        ArmStatistics(id: "a", weight: 1, counts: EventCounts(impressions: 1000, conversions: 20)),
        ArmStatistics(id: "b", weight: 1, counts: EventCounts(impressions: 1000, conversions: 50)),
        ArmStatistics(id: "c", weight: 2, counts: EventCounts(impressions: 1000, conversions: 30)),
    ]

    @Test func epsilonGreedyExploitsTheBestRateAndExploresByWeight() {
        var generator = Xoshiro256(seed: 3)
        let greedy = EpsilonGreedy(epsilon: 0)
        for _ in 0..<100 {
            #expect(greedy.choose(Self.arms, using: &generator) == BanditDecision(index: 1, explored: false))
        }
        let e = EpsilonGreedy(epsilon: 0.2)
        #expect(abs(e.probability(of: 1, among: Self.arms) - (0.8 + 0.2 * 0.25)) < 1e-12)
        #expect(abs(e.probability(of: 2, among: Self.arms) - 0.2 * 0.5) < 1e-12)
        var picks = [0, 0, 0]
        for _ in 0..<20_000 { picks[e.choose(Self.arms, using: &generator).index] += 1 }
        #expect(abs(Double(picks[1]) / 20_000 - 0.85) < 0.015)
        #expect(abs(Double(picks[2]) / 20_000 - 0.10) < 0.01)
    }

    @Test func thompsonSamplingFavoursTheLikelyBest() {
        var generator = Xoshiro256(seed: 5)
        let thompson = ThompsonSampling()
        var picks = [0, 0, 0]
        for _ in 0..<5_000 { picks[thompson.choose(Self.arms, using: &generator).index] += 1 }
        #expect(Double(picks[1]) / 5_000 > 0.97)
        let total = (0..<3).reduce(0.0) { $0 + thompson.probability(of: $1, among: Self.arms) }
        #expect(abs(total - 1) < 1e-9)
        #expect(thompson.probability(of: 1, among: Self.arms) > 0.97)
        // Without data every arm is as likely.
        let blank = Self.arms.map { ArmStatistics(id: $0.id, weight: 1, counts: EventCounts()) }
        #expect(abs(thompson.probability(of: 0, among: blank) - 1.0 / 3) < 0.04)
    }

    @Test(arguments: [(2.0, 8.0), (0.5, 0.5), (300.0, 9700.0), (1.0, 1.0)])
    func betaDrawsHaveTheRightMean(a: Double, b: Double) {
        var generator = Xoshiro256(seed: 11)
        var sum = 0.0
        let n = 40_000
        for _ in 0..<n {
            let x = BetaSampler.beta(a, b, using: &generator)
            #expect(x >= 0 && x <= 1)
            sum += x
        }
        let mean = a / (a + b)
        let sd = (a * b / ((a + b) * (a + b) * (a + b + 1))).squareRoot()
        #expect(abs(sum / Double(n) - mean) < 5 * sd / Double(n).squareRoot())
    }

    @Test func seededGeneratorsRepeatTheirSequence() {
        var a = Xoshiro256(seed: 99)
        var b = Xoshiro256(seed: 99)
        var c = Xoshiro256(seed: 100)
        let sa = (0..<8).map { _ in a.next() }
        #expect(sa == (0..<8).map { _ in b.next() })
        #expect(sa != (0..<8).map { _ in c.next() })
    }
}

struct WindowTests {
    @Test func theWindowEndsOffsetDaysAgoAndSpansLookbackDays() {
        let today = DayIndex.of(now)
        #expect(DayIndex.date(today) == "2026-11-23")
        let window = DayIndex.window(today: today, lookbackDays: 14, offsetDays: 3)
        #expect(DayIndex.date(window.upperBound) == "2026-11-20")
        #expect(DayIndex.date(window.lowerBound) == "2026-11-06")
        #expect(DayIndex.parse("2026-11-06") == window.lowerBound)
        #expect(DayIndex.of(Timestamp(iso8601: "1969-12-31T23:59:59Z")!) == -1)
    }

    @Test func windowTotalsCountOnlyTheDaysInside() {
        var daily = DailyCounters()
        for day in 100...200 { daily.add(EventCounts(impressions: day, clicks: 1, conversions: 2), day: day) }
        daily.rebuild()
        #expect(
            daily.total(in: 150...159)
                == EventCounts(impressions: (150...159).reduce(0, +), clicks: 10, conversions: 20))
        #expect(daily.total(in: 0...99) == EventCounts())
        #expect(daily.total(in: 201...300) == EventCounts())
        #expect(daily.total(in: 190...250).impressions == (190...200).reduce(0, +))
        #expect(daily.total(in: 0...1000).clicks == 101)
        #expect(DailyCounters().total(in: 0...10) == EventCounts())
    }

    @Test func theChooserReadsOnlyTheWindowAndWaitsForTheMinimum() throws {
        let template = try copyTemplate(
            #"{"id": "t", "approved": true, "bandit": {"algorithm": "epsilon_greedy", "epsilon": 0}, "variants": [{"id": "a", "vars": {}}, {"id": "b", "vars": {}}]}"#
        )
        let store = BanditStore(layout: nil)
        let today = DayIndex.of(now)
        // Before the window, "a" wins big; inside it, "b" does, with 10 impressions a day.
        var c = counters("t", ["a": (10, 9), "b": (10, 0)], days: (today - 40)...(today - 20))
        for (id, conv) in [("a", 1), ("b", 5)] {
            for day in (today - 17)...(today - 3) {
                c.variants[id]!.add(EventCounts(impressions: 10, conversions: conv), day: day)
            }
            c.variants[id]!.rebuild()
        }
        store.install(c, org: "o")
        let chooser = VariantChooser(store: store, seed: 1)
        let traced = ChoiceOptions(trace: true)
        let choice = try chooser.choose(template, for: workItem(options: traced), org: "o", now: now).get()
        #expect(template.variants[choice.index].id == "b")
        let trace = try #require(choice.trace)
        #expect(trace["phase"] == "exploit")
        #expect(trace["variants"]?[1]?["impressions"] == 150)
        #expect(trace["variants"]?[1]?["conversions"] == 75)
        // A wider window takes in the old days: "a" wins.
        let wide = ChoiceOptions(lookbackDays: 60, trace: true)
        let old = try chooser.choose(template, for: workItem(options: wide), org: "o", now: now).get()
        #expect(template.variants[old.index].id == "a")
        // 150 impressions are below a minimum of 200: warm-up, split by weight.
        let strict = try copyTemplate(
            #"{"id": "t", "approved": true, "bandit": {"min_impressions": 200}, "variants": [{"id": "a", "vars": {}}, {"id": "b", "vars": {}}]}"#
        )
        let warm = try chooser.choose(strict, for: workItem(options: traced), org: "o", now: now).get()
        #expect(warm.trace?["phase"] == "warm_up")
        #expect(warm.trace?["explored"] == true)
        #expect(warm.trace?["probability"] == 0.5)
    }
}

struct StickyAndTraceTests {
    static let two =
        #"{"id": "t", "approved": true, "variants": [{"id": "a", "vars": {"s": "A"}}, {"id": "b", "vars": {"s": "B"}}]}"#

    @Test func aUserKeepsTheirVariantWhileItStaysEligible() throws {
        let layout = try temporaryLayout()
        try writeTemplate(Self.two, id: "t", in: layout)
        let store = BanditStore(layout: layout)
        let templates = TemplateStore(layout: layout)
        let generator = ContentGenerator(templates: templates, chooser: VariantChooser(store: store, seed: 9))
        var first: [String: String] = [:]
        for user in 0..<20 {
            first["u\(user)"] = generator.generate(workItem(userID: "u\(user)"), org: "default").copyID
        }
        #expect(Set(first.values) == ["a", "b"])
        for _ in 0..<3 {
            for (user, copy) in first {
                let outcome = generator.generate(
                    workItem(userID: user, options: ChoiceOptions(trace: true)), org: "default")
                #expect(outcome.copyID == copy)
                #expect(outcome.trace?["sticky"] == true)
            }
        }
        try store.sync()
        // Durable: a new store (a restarted daemon) knows the assignments.
        let reloaded = BanditStore(layout: layout)
        for (user, copy) in first {
            #expect(reloaded.stickyVariant(org: "default", userID: user, templateID: "t") == copy)
        }
        // "b" is withdrawn: its users move to "a", and stay there.
        try writeTemplate(
            #"{"id": "t", "approved": true, "variants": [{"id": "a", "vars": {"s": "A"}}, {"id": "b", "approved": false, "vars": {"s": "B"}}]}"#,
            id: "t", in: layout)
        let later = ContentGenerator(
            templates: TemplateStore(layout: layout), chooser: VariantChooser(store: reloaded, seed: 1))
        for user in first.keys {
            #expect(later.generate(workItem(userID: user), org: "default").copyID == "a")
            #expect(reloaded.stickyVariant(org: "default", userID: user, templateID: "t") == "a")
        }
    }

    @Test func theTraceSaysHowTheVariantWasChosen() throws {
        let layout = try temporaryLayout()
        try writeTemplate(Self.two, id: "t", in: layout)
        let generator = ContentGenerator(templates: TemplateStore(layout: layout), chooser: VariantChooser(seed: 2))
        let outcome = generator.generate(
            workItem(options: ChoiceOptions(lookbackDays: 7, offsetDays: 1, epsilon: 0.3, trace: true)), org: "default")
        let trace = try #require(outcome.trace)
        #expect(trace["algorithm"] == "thompson")
        #expect(trace["epsilon"] == 0.3)
        #expect(trace["min_impressions"] == 100)
        #expect(trace["explored"] == true)
        #expect(trace["phase"] == "warm_up")
        #expect(trace["window"]?["lookback_days"] == 7)
        #expect(trace["window"]?["offset_days"] == 1)
        #expect(trace["window"]?["to"]?.stringValue?.count == 10)
        #expect(trace["variants"]?.arrayValue?.count == 2)
        #expect(trace["variants"]?[0]?["rate"] == 0.0)
        #expect(trace["chosen"]?.stringValue == outcome.copyID)
        #expect(trace["probability"] == 0.5)
        #expect(trace["sticky"] == false)
        #expect(trace["cached"] == false)
        // No trace unless asked.
        #expect(generator.generate(workItem(), org: "default").trace == nil)
    }

    @Test func useCacheReusesARenderForTheSameFields() throws {
        let layout = try temporaryLayout()
        try writeTemplate(
            #"{"id": "t", "approved": true, "variants": [{"id": "a", "vars": {"s": "Hi {{ name }}"}}, {"id": "i", "vars": {"s": "{{ item.tracking_id }}"}}]}"#,
            id: "t", in: layout)
        let generator = ContentGenerator(templates: TemplateStore(layout: layout), chooser: VariantChooser(seed: 2))
        func make(_ copy: String, _ name: String, cache: Bool, tracking: String? = nil) -> ItemOutcome {
            var item = workItem(
                copyID: copy, trackingID: tracking, options: ChoiceOptions(useCache: cache, trace: true))
            item.fields = JSONObject([("name", .string(name))])
            return generator.generate(item, org: "default")
        }
        #expect(make("a", "ann", cache: true).trace?["cached"] == false)
        let again = make("a", "ann", cache: true)
        #expect(again.trace?["cached"] == true)
        #expect(again.content?["s"] == "Hi ann")
        #expect(make("a", "bob", cache: true).trace?["cached"] == false)
        #expect(make("a", "ann", cache: false).trace?["cached"] == false)
        // A variant that shows the recipient's ids is never cached.
        #expect(make("i", "ann", cache: true, tracking: "m1").content?["s"] == "m1")
        let second = make("i", "ann", cache: true, tracking: "m2")
        #expect(second.content?["s"] == "m2")
        #expect(second.trace?["cached"] == false)
    }
}

struct EpsilonOverrideTests {
    /// The share of `count` choices that went to the worse variant "a" (1% against "b"'s 9%, with
    /// 800 impressions each in the window: past the minimum, so epsilon-greedy decides).
    static func shareOfA(
        _ template: CopyTemplate, defaults: BanditSettings, epsilon: Double?, count: Int = 4_000
    )
        throws -> Double
    {
        let store = BanditStore(layout: nil)
        let today = DayIndex.of(now)
        store.install(counters("t", ["a": (100, 1), "b": (100, 9)], days: (today - 10)...(today - 3)), org: "o")
        let chooser = VariantChooser(store: store, defaults: defaults, seed: 2026)
        let item = workItem(options: ChoiceOptions(epsilon: epsilon))
        var a = 0
        for _ in 0..<count {
            let choice = try chooser.choose(template, for: item, org: "o", now: now).get()
            if template.variants[choice.index].id == "a" { a += 1 }
        }
        return Double(a) / Double(count)
    }

    @Test func aRequestsEpsilonOverridesTheConfiguredOneInTheChoicesMade() throws {
        var config = BanditSettings()
        config.algorithm = .epsilonGreedy
        config.epsilon = 0
        let plain = try copyTemplate(
            #"{"id": "t", "approved": true, "variants": [{"id": "a", "vars": {}}, {"id": "b", "vars": {}}]}"#)
        // copydesk.json's epsilon 0: always the best rate.
        #expect(try Self.shareOfA(plain, defaults: config, epsilon: nil) == 0)
        // The request's 1.0: every choice explores, by weight, so "a" gets half.
        let all = try Self.shareOfA(plain, defaults: config, epsilon: 1)
        #expect(all > 0.46 && all < 0.54, "\(all)")
        // The request's 0.5: half the choices explore, so "a" gets a quarter.
        let half = try Self.shareOfA(plain, defaults: config, epsilon: 0.5)
        #expect(half > 0.22 && half < 0.28, "\(half)")
    }

    @Test func aRequestsEpsilonOverridesTheTemplatesInTheChoicesMade() throws {
        // The desk's default is 0.1; the template says 0.
        let greedy = try copyTemplate(
            #"{"id": "t", "approved": true, "bandit": {"algorithm": "epsilon_greedy", "epsilon": 0}, "variants": [{"id": "a", "vars": {}}, {"id": "b", "vars": {}}]}"#
        )
        #expect(try Self.shareOfA(greedy, defaults: BanditSettings(), epsilon: nil) == 0)
        let half = try Self.shareOfA(greedy, defaults: BanditSettings(), epsilon: 0.5)
        #expect(half > 0.22 && half < 0.28, "\(half)")
        // And a request's 0 turns the template's exploration off.
        let exploring = try copyTemplate(
            #"{"id": "t", "approved": true, "bandit": {"algorithm": "epsilon_greedy", "epsilon": 0.6}, "variants": [{"id": "a", "vars": {}}, {"id": "b", "vars": {}}]}"#
        )
        #expect(try Self.shareOfA(exploring, defaults: BanditSettings(), epsilon: nil) > 0.25)
        #expect(try Self.shareOfA(exploring, defaults: BanditSettings(), epsilon: 0) == 0)
    }
}
