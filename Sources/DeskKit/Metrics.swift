import Synchronization

/// Counters and summaries of a running desk, written as Prometheus text to `state/metrics.prom`.
///
/// Thread-safe; an update is a lock and a dictionary write, O(1) on average.
public final class Metrics: Sendable {
    private struct Key: Hashable {
        var name: String
        var labels: String
    }
    private struct Summary {
        var count = 0
        var sum = 0.0
        var samples: [Double] = []  // a bounded reservoir of recent samples, for quantiles
        var next = 0
    }
    private struct Store {
        var counters: [Key: Double] = [:]
        var gauges: [Key: Double] = [:]
        var summaries: [Key: Summary] = [:]
        var help: [String: String] = [:]
        var version = 0
    }
    private let store = Mutex(Store())
    /// The last filesystem error the desk met (``recordIOError(_:at:)``).
    let lastIOError = Mutex<IOErrorRecord?>(nil)
    private static let reservoir = 1024

    /// An empty registry.
    public init() {}

    private static func labelText(_ labels: KeyValuePairs<String, String>) -> String {
        if labels.isEmpty { return "" }
        return "{" + labels.map { "\($0.key)=\"\(escape($0.value))\"" }.joined(separator: ",") + "}"
    }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences("\\", "\\\\").replacingOccurrences("\"", "\\\"").replacingOccurrences("\n", "\\n")
    }

    /// Declares the help text of metric `name`.
    public func describe(_ name: String, _ help: String) {
        store.withLock { $0.help[name] = help }
    }

    /// Adds `amount` to counter `name` with `labels`.
    public func increment(_ name: String, by amount: Double = 1, _ labels: KeyValuePairs<String, String> = [:]) {
        let key = Key(name: name, labels: Self.labelText(labels))
        store.withLock {
            $0.counters[key, default: 0] += amount
            $0.version += 1
        }
    }

    /// Sets gauge `name` with `labels` to `value`.
    public func set(_ name: String, _ value: Double, _ labels: KeyValuePairs<String, String> = [:]) {
        let key = Key(name: name, labels: Self.labelText(labels))
        store.withLock {
            $0.gauges[key] = value
            $0.version += 1
        }
    }

    /// Records one observation of summary `name` (seconds, bytes, …).
    public func observe(_ name: String, _ value: Double) {
        let key = Key(name: name, labels: "")
        store.withLock {
            var s = $0.summaries[key] ?? Summary()
            s.count += 1
            s.sum += value
            if s.samples.count < Self.reservoir {
                s.samples.append(value)
            } else {
                s.samples[s.next] = value
                s.next = (s.next + 1) % Self.reservoir
            }
            $0.summaries[key] = s
            $0.version += 1
        }
    }

    /// The value of counter `name` with `labels` (0 if never incremented).
    public func counter(_ name: String, _ labels: KeyValuePairs<String, String> = [:]) -> Double {
        let key = Key(name: name, labels: Self.labelText(labels))
        return store.withLock { $0.counters[key] ?? 0 }
    }

    /// A number that changes whenever any metric does, to skip rewriting an unchanged file.
    public var version: Int { store.withLock { $0.version } }

    /// Everything in the Prometheus text exposition format (version 0.0.4).
    public func prometheusText() -> String {
        let snapshot = store.withLock { $0 }
        var out = ""
        func header(_ name: String, _ type: String) {
            if let help = snapshot.help[name] { out += "# HELP \(name) \(help)\n" }
            out += "# TYPE \(name) \(type)\n"
        }
        func number(_ v: Double) -> String {
            v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
        }
        for name in Set(snapshot.counters.keys.map(\.name)).sorted() {
            header(name, "counter")
            for (key, value) in snapshot.counters.filter({ $0.key.name == name }).sorted(by: { $0.key.labels < $1.key.labels }) {
                out += "\(name)\(key.labels) \(number(value))\n"
            }
        }
        for name in Set(snapshot.gauges.keys.map(\.name)).sorted() {
            header(name, "gauge")
            for (key, value) in snapshot.gauges.filter({ $0.key.name == name }).sorted(by: { $0.key.labels < $1.key.labels }) {
                out += "\(name)\(key.labels) \(number(value))\n"
            }
        }
        for (key, s) in snapshot.summaries.sorted(by: { $0.key.name < $1.key.name }) {
            header(key.name, "summary")
            let sorted = s.samples.sorted()
            for q in [0.5, 0.9, 0.99] where !sorted.isEmpty {
                let v = sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
                out += "\(key.name){quantile=\"\(q)\"} \(v)\n"
            }
            out += "\(key.name)_sum \(s.sum)\n\(key.name)_count \(s.count)\n"
        }
        return out
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: Character, _ replacement: String) -> String {
        guard contains(target) else { return self }
        var result = ""
        for c in self { if c == target { result += replacement } else { result.append(c) } }
        return result
    }
}
