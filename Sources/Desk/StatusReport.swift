import DeskKit

/// Reads the status files of a desk for `copydesk status`: a table with a progress bar per
/// batch, or the documents themselves as JSON.
public struct StatusReport: Sendable {
    /// One batch's line.
    public struct Row: Sendable {
        public var org: String
        public var batchID: String
        public var status: String
        public var progress: JSONObject
        public var updatedAt: String
        /// The next publication instant of a scheduled batch (`next_publish_time`).
        public var nextPublishTime: String?
        /// Whether the batch is scheduled (its items finish when published).
        public var scheduled: Bool
        public var document: JSONValue
    }

    /// One budgeted org's credits (`orgs.<org>.credits` in `copydesk.json`).
    public struct Credits: Sendable, Equatable {
        public var org: String
        public var budget: Int
        /// Credits spent, net of refunds.
        public var used: Int
        public var balance: Int
    }

    /// The batches found, newest first.
    public var rows: [Row]
    /// Every budgeted org's balance, by org name (empty when the desk has no budgets or its
    /// `copydesk.json` cannot be read).
    public var credits: [Credits] = []

    /// Reads every `state/<org>/*.status.json` of the desk at `layout`, or only `batchID`'s.
    ///
    /// O(n) in status files.
    public init(layout: DeskLayout, batchID: String? = nil) throws(DeskError) {
        var rows: [Row] = []
        let orgs: [DirectoryEntry]
        do throws(Errno) {
            orgs = try FileSystem.entries(of: layout.state)
        } catch {
            throw DeskError.io("cannot list \(layout.state)", error)
        }
        for org in orgs where org.kind == .directory && org.name != "claims" {
            let folder = layout.state(org: org.name)
            for entry in (try? FileSystem.entries(of: folder)) ?? [] where entry.name.hasSuffix(".status.json") {
                let id = String(entry.name.dropLast(".status.json".count))
                if let batchID, batchID != id { continue }
                guard let bytes = try? FileSystem.readFile(Path.join(folder, entry.name)),
                    let json = try? JSONValue.parse(bytes)
                else { continue }
                rows.append(
                    Row(
                        org: org.name, batchID: id, status: json["status"]?.stringValue ?? "?",
                        progress: json["progress"]?.objectValue ?? JSONObject(),
                        updatedAt: json["updated_at"]?.stringValue ?? "",
                        nextPublishTime: json["next_publish_time"]?.stringValue,
                        scheduled: json["schedule"] != nil, document: json))
            }
        }
        if let batchID, rows.isEmpty {
            throw DeskError(.notFound, "no batch '\(batchID)' in \(layout.state)", field: "BATCH")
        }
        self.rows = rows.sorted { ($0.updatedAt, $0.batchID) > ($1.updatedAt, $1.batchID) }
        if let configuration = try? DeskConfiguration.load(root: layout.root) {
            let ledger = CreditLedger(layout: layout, budgets: configuration.credits, clock: SystemClock())
            credits = configuration.credits.keys.sorted().compactMap { org in
                ledger.balance(org: org).map { Credits(org: org, budget: $0.budget, used: $0.used, balance: $0.balance) }
            }
        }
    }

    /// The documents as one JSON array.
    public var json: JSONValue { .array(rows.map(\.document)) }

    /// A table: batch, org, status, a progress bar of finished items, the next publication
    /// instant of a scheduled batch, and counts. Items of a scheduled batch count as finished
    /// once published, failed, cancelled or rejected (or when the batch is over).
    /// Budgeted orgs' balances follow, one line each.
    public func table(width: Int = 24) -> String {
        var footer = ""
        for c in credits {
            footer += "credits \(c.org): \(c.balance) of \(c.budget) left (\(c.used) used)\n"
        }
        if rows.isEmpty { return "no batches yet\n" + footer }
        let idWidth = min(48, max(5, rows.map(\.batchID.count).max() ?? 5))
        let orgWidth = min(20, max(3, rows.map(\.org.count).max() ?? 3))
        func pad(_ s: String, _ n: Int) -> String {
            s.count >= n ? String(s.prefix(n)) : s + String(repeating: " ", count: n - s.count)
        }
        var out = pad("BATCH", idWidth) + "  " + pad("ORG", orgWidth) + "  " + pad("STATUS", 11) + "  "
            + pad("PROGRESS", width + 7) + "  " + pad("NEXT PUBLICATION", 24) + "  ITEMS\n"
        for row in rows {
            let total = row.progress["total"]?.intValue ?? 0
            let finalStates: [ItemState] =
                row.scheduled && !["completed", "failed", "cancelled"].contains(row.status)
                ? [.rejected, .published, .failed, .cancelled] : ItemState.allCases.filter(\.isFinal)
            let done = finalStates.reduce(0) { $0 + (row.progress[$1.rawValue]?.intValue ?? 0) }
            let fraction = total == 0 ? 1.0 : Double(done) / Double(total)
            let filled = Int((fraction * Double(width)).rounded(.down))
            let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
            let percent = String(Int((fraction * 100).rounded(.down)))
            let counts = ItemState.allCases.compactMap { state -> String? in
                let n = row.progress[state.rawValue]?.intValue ?? 0
                return n > 0 ? "\(n) \(state.rawValue)" : nil
            }.joined(separator: ", ")
            out += pad(row.batchID, idWidth) + "  " + pad(row.org, orgWidth) + "  " + pad(row.status, 11) + "  "
                + bar + " " + pad(percent + "%", 4) + "  " + pad(row.nextPublishTime ?? "-", 24) + "  " + "\(total): "
                + counts + "\n"
        }
        return out + footer
    }
}
