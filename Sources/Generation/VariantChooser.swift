import DeskKit
import Synchronization

/// Chooses which variant of a template an item gets.
///
/// In order: `copy_id` forces a variant (an unknown or unapproved one is `NOT_FOUND`); targeting
/// keeps the approved variants of the item's bucket whose `attrs` match the item's, most specific
/// first; a `user_id` keeps the variant it was given before while that variant stays eligible
/// (sticky); variants of weight 0 are paused; otherwise a bandit picks from the event statistics
/// of the window: weighted random
/// until every eligible variant has `min_impressions`, then epsilon-greedy or Thompson sampling.
///
/// A choice is O(variants): each variant's window total is O(1) from prefix sums, whatever the
/// number of events or days counted. The random generator is injected (seeded in tests), and
/// shared behind a lock.
public final class VariantChooser: Sendable {
    /// What a choice produced.
    public struct Choice: Sendable {
        /// The variant's position in the template.
        public var index: Int
        /// Whether `copy_id` forced it.
        public var forced: Bool
        /// Whether it is the user's earlier assignment.
        public var sticky: Bool
        /// The decision, when the item asked for a trace.
        public var trace: JSONObject?
    }

    /// The statistics, deliveries and assignments choices read and record.
    public let store: BanditStore
    /// The desk's settings, before a template's or a request's overrides.
    public let defaults: BanditSettings
    private let random: Mutex<Xoshiro256>
    /// Per org and template, each variant's counters in template order, for the template
    /// revision and counters stamp they were derived from: spares a choice one hash lookup per
    /// variant.
    private let aligned = Mutex<[String: Aligned]>([:])

    private struct Aligned {
        var revision: String
        var stamp: UInt64
        var series: [DailyCounters?]
    }

    /// A chooser over `store` with `defaults`; `seed` fixes the random sequence (tests, benchmarks).
    public init(
        store: BanditStore = BanditStore(layout: nil), defaults: BanditSettings = BanditSettings(), seed: UInt64? = nil
    ) {
        self.store = store
        self.defaults = defaults
        self.random = Mutex(seed.map(Xoshiro256.init(seed:)) ?? Xoshiro256())
    }

    /// The settings that apply to `item` of `template`: the desk's, the template's, the request's.
    public func settings(for template: CopyTemplate, item: WorkItem) -> BanditSettings {
        var settings = defaults
        if let bandit = template.bandit,
            let overlaid = try? settings.overlaid(with: bandit, path: "bandit", code: .invalidTemplate)
        {
            settings = overlaid
        }
        return item.options.applied(to: settings)
    }

    /// The indexes of the variants targeting allows for `item`, or `NOT_FOUND` saying why none.
    ///
    /// Approved variants only. Bucket: an item with `bucket_name` gets the variants of that
    /// bucket, or the variants without a bucket when the template has none for it; an item
    /// without one gets the variants without a bucket. Attributes: a variant's every `attrs` key
    /// must match the item's attrs (lowercased; an array lists accepted values); of the
    /// matching variants, those with the most keys win, so targeted copy beats generic copy.
    /// O(variants × attrs).
    public func eligible(_ template: CopyTemplate, for item: WorkItem) -> Result<[Int], DeskError> {
        if item.bucket == nil && item.attrs.isEmpty && !template.untargeted.isEmpty {
            return .success(template.untargeted)
        }
        let approved = template.variants.indices.filter { template.variants[$0].approved }
        guard !approved.isEmpty else {
            return .failure(DeskError(.notFound, "template '\(template.id)' has no approved variant"))
        }
        var pool = approved.filter { template.variants[$0].bucket == nil }
        if let bucket = item.bucket {
            let inBucket = approved.filter { template.variants[$0].bucket == bucket }
            if !inBucket.isEmpty { pool = inBucket }
        }
        guard !pool.isEmpty else {
            let what = item.bucket.map { "bucket '\($0)' nor for no bucket" } ?? "items without a bucket_name"
            return .failure(
                DeskError(
                    .notFound, "template '\(template.id)' has no approved variant for \(what)", field: "bucket_name"))
        }
        var attrs: [String: Set<String>] = [:]
        for (key, value) in item.attrs.members { attrs[key.lowercased()] = CopyTemplate.attributeValues(value) }
        var best: [Int] = []
        var bestKeys = -1
        for index in pool {
            let targets = template.variants[index].targets
            let matches = targets.allSatisfy { target in
                guard let have = attrs[target.key] else { return false }
                return !have.isDisjoint(with: target.values)
            }
            guard matches else { continue }
            if targets.count > bestKeys {
                bestKeys = targets.count
                best = [index]
            } else if targets.count == bestKeys {
                best.append(index)
            }
        }
        guard !best.isEmpty else {
            return .failure(
                DeskError(
                    .notFound, "no approved variant of template '\(template.id)' targets the item's attrs",
                    field: "attrs"))
        }
        return .success(best)
    }

    /// Chooses the variant of `template` for `item` of `org` at `now`. O(variants); with a trace
    /// under Thompson sampling, plus the estimate of the chosen variant's probability.
    public func choose(
        _ template: CopyTemplate, for item: WorkItem, org: String, now: Timestamp
    ) -> Result<Choice, DeskError> {
        if let copyID = item.copyID {
            guard let index = template.variants.firstIndex(where: { $0.id == copyID }) else {
                return .failure(
                    DeskError(.notFound, "template '\(template.id)' has no variant '\(copyID)'", field: "copy_id"))
            }
            guard template.variants[index].approved else {
                return .failure(
                    DeskError(
                        .notFound, "variant '\(copyID)' of template '\(template.id)' is not approved", field: "copy_id")
                )
            }
            var trace: JSONObject?
            if item.options.trace {
                trace = JSONObject([
                    ("forced", true), ("chosen", .string(copyID)), ("probability", 1.0), ("sticky", false),
                ])
            }
            return .success(Choice(index: index, forced: true, sticky: false, trace: trace))
        }
        var eligible: [Int]
        switch self.eligible(template, for: item) {
        case .success(let e): eligible = e
        case .failure(let error): return .failure(error)
        }
        // A variant of weight 0 is paused: no new traffic (and it does not hold back the warm-up),
        // unless every eligible variant is.
        if eligible.contains(where: { !(template.variants[$0].weight > 0) }),
            eligible.contains(where: { template.variants[$0].weight > 0 })
        {
            eligible.removeAll { !(template.variants[$0].weight > 0) }
        }
        let settings = self.settings(for: template, item: item)
        let window = DayIndex.window(
            today: DayIndex.of(now), lookbackDays: settings.lookbackDays, offsetDays: settings.offsetDays)
        let series = self.series(template, org: org)
        var arms: [ArmStatistics] = []
        arms.reserveCapacity(eligible.count)
        var warmingUp = false
        for index in eligible {
            let id = template.variants[index].id
            let counts = series[index]?.total(in: window) ?? EventCounts()
            if counts.impressions < settings.minImpressions { warmingUp = true }
            arms.append(ArmStatistics(id: id, weight: template.variants[index].weight, counts: counts))
        }
        let algorithm: any BanditAlgorithm =
            settings.algorithm == .thompson ? ThompsonSampling() : EpsilonGreedy(epsilon: settings.epsilon)

        var sticky: Int?
        if let user = item.userID, let assigned = store.stickyVariant(org: org, userID: user, templateID: template.id) {
            sticky = arms.firstIndex { $0.id == assigned }
        }
        var decision: BanditDecision
        var phase: String
        if let sticky {
            decision = BanditDecision(index: sticky, explored: false)
            phase = "sticky"
        } else if warmingUp {
            decision = random.withLock { BanditDecision(index: WeightedChoice.pick(arms, using: &$0), explored: true) }
            phase = "warm_up"
        } else {
            decision = random.withLock { algorithm.choose(arms, using: &$0) }
            phase = decision.explored ? "explore" : "exploit"
        }
        if sticky == nil, let user = item.userID {
            // Assign atomically: a batch running beside this one, in this process or another one
            // on the desk, may have just assigned the user.
            let proposed = arms[decision.index].id
            let winner = store.claimSticky(
                org: org, userID: user, templateID: template.id, proposed: proposed,
                eligible: { id in arms.contains { $0.id == id } }, at: now)
            if winner != proposed, let index = arms.firstIndex(where: { $0.id == winner }) {
                sticky = index
                decision = BanditDecision(index: index, explored: false)
                phase = "sticky"
            }
        }
        var trace: JSONObject?
        if item.options.trace {
            let probability: Double
            if sticky != nil {
                probability = 1
            } else if warmingUp {
                probability = WeightedChoice.probabilities(arms)[decision.index]
            } else {
                probability = algorithm.probability(of: decision.index, among: arms)
            }
            trace = Self.trace(
                algorithm: algorithm.name, settings: settings, window: window, arms: arms, decision: decision,
                phase: phase, probability: probability, sticky: sticky != nil)
        }
        return .success(Choice(index: eligible[decision.index], forced: false, sticky: sticky != nil, trace: trace))
    }

    /// Each variant's counters in template order. O(1) when neither the template file nor its
    /// counters changed since the last call; O(variants) otherwise.
    private func series(_ template: CopyTemplate, org: String) -> [DailyCounters?] {
        let counters = store.counters(org: org, templateID: template.id)
        let stamp = counters?.stamp ?? 0
        // Templates not read from a file (tests, benchmarks) have no revision: no caching.
        let key = template.revision.isEmpty ? "" : org + "\u{1F}" + template.id
        if !key.isEmpty, let cached = aligned.withLock({ $0[key] }), cached.stamp == stamp,
            cached.revision == template.revision
        {
            return cached.series
        }
        let series = template.variants.map { counters?.variants[$0.id] }
        if !key.isEmpty {
            aligned.withLock { $0[key] = Aligned(revision: template.revision, stamp: stamp, series: series) }
        }
        return series
    }

    /// Records a delivered choice under its tracking id, so its events find the variant. (A user's
    /// sticky assignment is recorded when the choice is made.)
    public func record(_ choice: Choice, of template: CopyTemplate, for item: WorkItem, org: String, at: Timestamp) {
        guard item.trackingID != nil else { return }
        store.record(
            BanditStore.Delivery(templateID: template.id, copyID: template.variants[choice.index].id), org: org,
            trackingID: item.trackingID, at: at)
    }

    static func trace(
        algorithm: String, settings: BanditSettings, window: ClosedRange<Int>, arms: [ArmStatistics],
        decision: BanditDecision, phase: String, probability: Double, sticky: Bool
    ) -> JSONObject {
        var o = JSONObject()
        o["algorithm"] = .string(algorithm)
        o["epsilon"] = .double(settings.epsilon)
        o["min_impressions"] = .int(settings.minImpressions)
        o["phase"] = .string(phase)
        o["explored"] = .bool(decision.explored)
        o["window"] = [
            "from": .string(DayIndex.date(window.lowerBound)), "to": .string(DayIndex.date(window.upperBound)),
            "lookback_days": .int(settings.lookbackDays), "offset_days": .int(settings.offsetDays),
        ]
        o["variants"] = .array(
            arms.map { arm in
                [
                    "id": .string(arm.id), "weight": .double(arm.weight), "impressions": .int(arm.counts.impressions),
                    "clicks": .int(arm.counts.clicks), "conversions": .int(arm.counts.conversions),
                    "rate": .double(arm.counts.conversionRate),
                ]
            })
        o["chosen"] = .string(arms[decision.index].id)
        o["probability"] = .double(probability)
        o["sticky"] = .bool(sticky)
        return o
    }
}
