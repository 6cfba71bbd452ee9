import DeskKit
import Generation

// bandit-bench: how long one variant choice takes with a year of daily counters for 50 variants.
// Used by `Scripts/bench bandit`; prints the median over several runs.
#if canImport(Glibc)
    import Glibc
#endif

func argument(_ name: String, _ fallback: Int) -> Int {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) { return v }
    return fallback
}

let variantCount = argument("--variants", 50)
let dayCount = argument("--days", 365)
let runs = argument("--runs", 7)
let choices = argument("--choices", 100_000)

func monotonic() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

// A desk in a temporary folder whose counters file holds a year of days for every variant.
var folderTemplate = Array("/tmp/bandit-bench.XXXXXX".utf8CString)
guard let made = mkdtemp(&folderTemplate) else { fatalError("mkdtemp failed") }
let layout = DeskLayout(root: String(cString: made))
defer { _ = system("rm -rf '\(layout.root)'") }

let now = Timestamp(iso8601: "2026-11-23T12:00:00Z")!
let today = DayIndex.of(now)
var generator = Xoshiro256(seed: 2026)
var counters = TemplateCounters(templateID: "bench")
var variantsJSON: [String] = []
for v in 0..<variantCount {
    let id = "v\(v)"
    variantsJSON.append(#"{"id": "\#(id)", "vars": {"s": "copy \#(v)"}}"#)
    let rate = 0.01 + 0.04 * Double(v) / Double(max(variantCount - 1, 1))
    var daily = DailyCounters()
    for day in (today - dayCount + 1)...today {
        let impressions = 100 + Int(generator.next() % 200)
        let conversions = Int((Double(impressions) * rate).rounded())
        daily.add(EventCounts(impressions: impressions, clicks: conversions * 3, conversions: conversions), day: day)
    }
    counters.variants[id] = daily
}
let countersFolder = Path.join(layout.bandit(org: "default"), "counters")
try FileSystem.createDirectory(countersFolder)
try AtomicFile.write(counters.json.serialized(), to: Path.join(countersFolder, "bench.json"))

let loadStart = monotonic()
let store = BanditStore(layout: layout)
_ = store.counters(org: "default", templateID: "bench")
let loadMillis = Double(monotonic() - loadStart) / 1e6

@MainActor func template(_ bandit: String) throws -> CopyTemplate {
    var template = try CopyTemplate(
        json: try JSONValue.parse(
            #"{"id": "bench", "approved": true, "bandit": \#(bandit), "variants": [\#(variantsJSON.joined(separator: ","))]}"#
        ),
        id: "bench")
    // As the template store would: a revision lets the chooser cache per-template lookups.
    template.revision = "bench-1"
    return template
}

/// The median, over `runs`, of the mean µs per choice of `choices` choices.
@MainActor func measure(_ template: CopyTemplate, item: WorkItem) -> (median: Double, all: [Double]) {
    let chooser = VariantChooser(store: store, seed: 7)
    var sink = 0
    for _ in 0..<1_000 {
        sink &+= (try? chooser.choose(template, for: item, org: "default", now: now).get().index) ?? 0
    }
    var perRun: [Double] = []
    for _ in 0..<runs {
        let start = monotonic()
        for _ in 0..<choices {
            sink &+= (try? chooser.choose(template, for: item, org: "default", now: now).get().index) ?? 0
        }
        perRun.append(Double(monotonic() - start) / 1e3 / Double(choices))
    }
    if sink == -1 { print(sink) }
    let sorted = perRun.sorted()
    return (sorted[sorted.count / 2], perRun)
}

@MainActor func show(_ label: String, _ result: (median: Double, all: [Double])) {
    let runs = result.all.map { String(format: "%.2f", $0) }.joined(separator: " ")
    print(
        label.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%7.2f µs per choice", result.median)
            + "   (runs: \(runs))")
}

print("bandit choice: \(variantCount) variants × \(dayCount) days of counters, \(runs) runs of \(choices) choices")
print(String(format: "counters file loaded in %.1f ms", loadMillis))
let plain = WorkItem(index: 0, templateID: "bench")
show("thompson (window 14 + 3 days)", measure(try template(#"{"algorithm": "thompson"}"#), item: plain))
show("epsilon_greedy 0.1 (window 14 + 3 days)", measure(try template(#"{"algorithm": "epsilon_greedy"}"#), item: plain))
var year = plain
year.options.lookbackDays = 365
year.options.offsetDays = 0
show("thompson (window 365 days)", measure(try template(#"{"algorithm": "thompson"}"#), item: year))
var warm = plain
warm.options.lookbackDays = 0
show("warm-up (window of 1 day, below minimum)", measure(try template(#"{"min_impressions": 100000}"#), item: warm))
var sticky = plain
sticky.userID = "user-1"
show("sticky user (assignment found)", measure(try template(#"{"algorithm": "thompson"}"#), item: sticky))

/// The median, over `runs`, of the mean µs per choice for `count` users seen for the first time:
/// each choice claims the user's sticky assignment in `sticky.jsonl` (lock, read on, append), so
/// that every process of the desk gives the user the same variant.
@MainActor func measureNewUsers(_ template: CopyTemplate, count: Int) -> (median: Double, all: [Double]) {
    let chooser = VariantChooser(store: store, seed: 7)
    var sink = 0
    var perRun: [Double] = []
    for run in 0..<runs {
        let start = monotonic()
        for u in 0..<count {
            var item = plain
            item.userID = "new-\(run)-\(u)"
            sink &+= (try? chooser.choose(template, for: item, org: "default", now: now).get().index) ?? 0
        }
        perRun.append(Double(monotonic() - start) / 1e3 / Double(count))
    }
    if sink == -1 { print(sink) }
    let sorted = perRun.sorted()
    return (sorted[sorted.count / 2], perRun)
}

show(
    "new user (sticky claim written)",
    measureNewUsers(try template(#"{"algorithm": "thompson"}"#), count: max(1, choices / 10)))
