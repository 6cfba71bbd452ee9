import Desk
import DeskKit
import Synchronization
import Testing

/// A wall clock the test sets; the monotonic clock follows it.
final class TestClock: DeskClock {
    private let instant: Mutex<Timestamp>
    init(_ start: Timestamp) { instant = Mutex(start) }
    func now() -> Timestamp { instant.withLock { $0 } }
    func uptimeNanoseconds() -> UInt64 { UInt64(instant.withLock { $0.nanoseconds }) }
    func set(_ t: Timestamp) { instant.withLock { $0 = t } }
}

/// SplitMix64: the simulated recipients' own randomness, independent of the desk's.
struct SimulationRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}

/// Drives a real desk (`Desk.processOnce`, the code path of `copydesk process`) through simulated
/// days: each day a native request for `perRound` recipients is generated, and what the
/// recipients did comes back as an events file dropped in the inbox.
struct BanditSimulation {
    static let rates = ["two": 0.02, "three": 0.03, "five": 0.05]
    let bandit: String
    var rounds = 20
    var perRound = 1_000
    var seed: UInt64 = 42

    /// How many of the last `last` recipients got each variant.
    func run(last: Int) async throws -> [String: Int] {
        let layout = try temporaryLayout()
        try FileSystem.createDirectory(layout.templates(org: "default"))
        let template = """
            {"id": "offer", "approved": true, "bandit": \(bandit), "variants": [
              {"id": "two", "vars": {"s": "Offer two for {{ name }}"}},
              {"id": "three", "vars": {"s": "Offer three for {{ name }}"}},
              {"id": "five", "vars": {"s": "Offer five for {{ name }}"}}]}
            """
        try AtomicFile.write(Array(template.utf8), to: layout.templates(org: "default") + "/offer.json")
        // Simulated days start after the real clock: the inbox scan leaves alone files that look
        // modified less than settle_seconds ago on the desk's clock.
        let day: Int64 = 86_400 * 1_000_000_000
        let start = Timestamp(nanoseconds: (SystemClock().now().nanoseconds / day + 2) * day + 9 * 3_600_000_000_000)
        let clock = TestClock(start)
        let desk = try Desk(root: layout.root, logger: .silent, clock: clock, randomSeed: seed)
        var recipients = SimulationRandom(state: seed ^ 0xA5A5)
        var delivered: [String] = []
        for round in 0..<rounds {
            clock.set(start.adding(seconds: Double(round) * 86_400))
            var items: [String] = []
            for i in 0..<perRound {
                items.append(
                    #"{"id": "r\#(round)-\#(i)", "tracking_id": "t\#(round)-\#(i)", "fields": {"name": "n\#(i)"}}"#)
            }
            let request =
                #"{"template_id": "offer", "offset_days": 0, "lookback_days": 30, "items": ["#
                + items.joined(separator: ",") + "]}"
            try AtomicFile.write(Array(request.utf8), to: layout.inbox + "/round-\(round).json")
            let generated = try await desk.processOnce()
            #expect(generated.itemsGenerated == perRound)
            let resultName = try FileSystem.entries(of: layout.outbox(org: "default")).map(\.name)
                .first { $0.hasPrefix("round-\(round)-") }!
            let result = try JSONValue.parse(try FileSystem.readFile(layout.outbox(org: "default") + "/" + resultName)!)
            var events = ""
            let at = clock.now().iso8601
            for item in result["items"]!.arrayValue! {
                let copy = item["copy_id"]!.stringValue!
                let tracking = item["tracking_id"]!.stringValue!
                delivered.append(copy)
                events += #"{"tracking_id": "\#(tracking)", "type": "impression", "at": "\#(at)"}"# + "\n"
                if recipients.uniform() < Self.rates[copy]! {
                    events += #"{"tracking_id": "\#(tracking)", "type": "conversion", "at": "\#(at)"}"# + "\n"
                }
            }
            try AtomicFile.write(Array(events.utf8), to: layout.inbox + "/round-\(round).events.jsonl")
            let counted = try await desk.processOnce()
            #expect(counted.eventsFiles == 1 && counted.itemProblems == 0)
        }
        var shares: [String: Int] = [:]
        for copy in delivered.suffix(last) { shares[copy, default: 0] += 1 }
        return shares
    }
}

@Suite(.serialized) struct BanditSimulationTests {
    @Test func thompsonSamplingSendsMostTrafficToTheBestVariant() async throws {
        let shares = try await BanditSimulation(bandit: #"{"algorithm": "thompson"}"#).run(last: 5_000)
        print("thompson, last 5,000:", shares.sorted { $0.key < $1.key })
        #expect(Double(shares["five", default: 0]) / 5_000 >= 0.70)
    }

    @Test func epsilonGreedySendsMostTrafficToTheBestVariant() async throws {
        let shares = try await BanditSimulation(bandit: #"{"algorithm": "epsilon_greedy", "epsilon": 0.1}"#).run(
            last: 5_000)
        print("epsilon-greedy 0.1, last 5,000:", shares.sorted { $0.key < $1.key })
        #expect(Double(shares["five", default: 0]) / 5_000 >= 0.80)
    }

    @Test func belowTheMinimumImpressionsTrafficStaysEven() async throws {
        // 20,000 recipients over three variants never give one 10,000 impressions.
        let shares = try await BanditSimulation(bandit: #"{"algorithm": "thompson", "min_impressions": 10000}"#).run(
            last: 5_000)
        print("below min_impressions, last 5,000:", shares.sorted { $0.key < $1.key })
        for id in ["two", "three", "five"] {
            let share = Double(shares[id, default: 0]) / 5_000
            #expect(share > 0.30 && share < 0.37, "\(id): \(share)")
        }
    }
}
