/// The folders of a desk (DESIGN.md section 1), as paths under its root.
///
/// ```
/// ROOT/inbox/<org>/  library/<org>/  outbox/<org>/  state/<org>/  archive/<org>/  rejected/<org>/
/// ```
public struct DeskLayout: Sendable, Equatable {
    /// The desk's root folder.
    public let root: String

    /// The org of files dropped directly into `inbox/`.
    public static let defaultOrg = "default"

    /// The layout of the desk at `root` (trailing slashes are dropped).
    public init(root: String) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    public var inbox: String { Path.join(root, "inbox") }
    public var library: String { Path.join(root, "library") }
    public var outbox: String { Path.join(root, "outbox") }
    public var state: String { Path.join(root, "state") }
    public var archive: String { Path.join(root, "archive") }
    public var rejected: String { Path.join(root, "rejected") }
    /// `state/claims/`: one folder per process holding claimed files.
    public var claims: String { Path.join(state, "claims") }
    /// `state/metrics.prom`.
    public var metrics: String { Path.join(state, "metrics.prom") }
    /// `state/health.json`.
    public var health: String { Path.join(state, "health.json") }

    /// The inbox folder of `org` (`inbox/` itself for the default org).
    public func inbox(org: String) -> String { org == Self.defaultOrg ? inbox : Path.join(inbox, org) }
    public func outbox(org: String) -> String { Path.join(outbox, org) }
    public func state(org: String) -> String { Path.join(state, org) }
    public func archive(org: String) -> String { Path.join(archive, org) }
    public func rejected(org: String) -> String { Path.join(rejected, org) }
    /// `state/<org>/index/`: the dedup index (content hashes and idempotency keys → batch ids).
    public func index(org: String) -> String { Path.join(state(org: org), "index") }
    /// `state/<org>/bandit/`: event counters, deliveries (tracking id → variant) and sticky
    /// assignments of the org's bandit.
    public func bandit(org: String) -> String { Path.join(state(org: org), "bandit") }
    /// `state/<org>/leases/<batch_id>/`: the lease on a scheduled batch (which process works on
    /// it), one file per generation, and a cancellation asked of its owner.
    public func lease(org: String, batchID: String) -> String {
        Path.join(Path.join(state(org: org), "leases"), batchID)
    }
    /// `state/<org>/outputs/`: provider outputs stored under their idempotency key, so a second
    /// worker (or a retry) with the same key reuses one instead of calling the provider again.
    public func outputs(org: String) -> String { Path.join(state(org: org), "outputs") }
    /// `library/<org>/templates/`.
    public func templates(org: String) -> String { Path.join(Path.join(library, org), "templates") }
    /// `library/<org>/`: the org's templates, brands and campaigns.
    public func library(org: String) -> String { Path.join(library, org) }
    /// `library/<org>/brands/`: brand profiles, `default.json` for the org's own.
    public func brands(org: String) -> String { Path.join(Path.join(library, org), "brands") }
    /// `library/<org>/campaigns/`: campaigns (system prompt, sender, steps, leads).
    public func campaigns(org: String) -> String { Path.join(Path.join(library, org), "campaigns") }

    /// `outbox/<org>/<batch_id>.result.json`.
    public func result(org: String, batchID: String) -> String {
        Path.join(outbox(org: org), batchID + ".result.json")
    }
    /// `state/<org>/<batch_id>.status.json`.
    public func status(org: String, batchID: String) -> String {
        Path.join(state(org: org), batchID + ".status.json")
    }
    /// `state/<org>/<batch_id>.items.jsonl`: outputs of a large batch stored before its result.
    public func itemJournal(org: String, batchID: String) -> String {
        Path.join(state(org: org), batchID + ".items.jsonl")
    }

    /// `archive/<org>/<batch_id>.journal.jsonl`: a finished scheduled batch's item journal
    /// (each item generated and published, in the order it happened), kept beside its request.
    public func scheduleJournalArchive(org: String, batchID: String) -> String {
        Path.join(archive(org: org), batchID + ".journal.jsonl")
    }
    /// `outbox/<org>/published/<batch_id>/`: the batch's published items, one file each.
    public func published(org: String, batchID: String) -> String {
        Path.join(Path.join(outbox(org: org), "published"), batchID)
    }
    /// `state/<org>/<batch_id>.schedule.json`: the marker of a scheduled batch that has not
    /// finished (its schedule, admission instant and request), removed when it finishes.
    public func scheduleMarker(org: String, batchID: String) -> String {
        Path.join(state(org: org), batchID + ".schedule.json")
    }

    /// The folders every desk has; `copydesk init` and the daemon create them.
    public var requiredFolders: [String] { [inbox, library, outbox, state, archive, rejected, claims] }
}
