import DeskKit
import Dialects
import Generation
import Scheduling

/// A scheduled batch as the ``Scheduler`` holds it: the request, each item's due instant and
/// state in compact columns, the content generated but not yet published, and two cursors (the
/// next item to generate, the next to publish; due instants never decrease with the index).
///
/// Owned by the scheduler actor and never shared: work on other threads gets ``Job`` values.
final class ScheduledBatch {
    let slot: Int
    let marker: ScheduleMarker
    let dialect: any RequestDialect
    let request: BatchRequest
    let warnings: [String]
    let journal: ItemJournal
    /// The prompt settings and brand profiles of its provider items, resolved once.
    let promptContext: PromptContext
    /// States, due instants, variants, formats and errors.
    var table: ScheduledItems
    /// Content generated and not yet published (or a draft's, kept for the result).
    var contents: [Int: ItemOutcome] = [:]
    /// The next item the generation cursor looks at.
    var nextGenerate = 0
    /// The next item the publication cursor looks at.
    var nextPublish = 0
    /// Items that are not final yet; the batch finishes at 0.
    var open = 0
    /// When the batch was cancelled, and how many items that cancelled.
    var cancelledAt: Timestamp? {
        didSet { if cancelledAt != nil { cancelSignal.trigger() } }
    }
    var cancelledCount = 0
    /// Set with ``cancelledAt``, for the jobs in flight: what they generate is not published.
    let cancelSignal = CancelSignal()
    /// Later drops of the same request (kept in the status).
    var duplicates: [JSONValue] = []
    /// Timer tokens: an entry of the timer queue whose token is not current is stale.
    var generateToken = 0
    var publishToken = 0
    /// Status writing: whether something changed since the last write, when it was written
    /// (uptime ns), what it cost (ns), and the write in flight (writes are chained).
    var dirty = false
    var lastStatusWrite: UInt64 = 0
    var statusCost: UInt64 = 0
    var statusTask: Task<Void, Never>?
    var finished = false
    /// This process's lease on the batch (only the holder works on it), and how often it was
    /// renewed.
    var lease: BatchLease?
    var renewals = 0

    var batchID: String { marker.batchID }
    var org: String { marker.org }
    var count: Int { table.states.count }

    init(
        slot: Int, marker: ScheduleMarker, request: BatchRequest, warnings: [String], table: ScheduledItems,
        journal: ItemJournal, promptContext: PromptContext
    ) {
        self.promptContext = promptContext
        self.slot = slot
        self.marker = marker
        self.dialect = RequestFormat.dialect(named: request.format) ?? NativeDialect()
        self.request = request
        self.warnings = warnings
        self.table = table
        self.journal = journal
    }

    /// Whether the batch's items are published at all (`publish: true` and a format that
    /// publishes).
    var publishes: Bool { dialect.publishes && request.publish }

    /// Whether item `index` stops at `generated`.
    func isDraft(_ index: Int) -> Bool { !publishes || request.items[index].draft || cancelledAt != nil }

    /// Whether item `index` needs nothing more.
    func isFinal(_ index: Int) -> Bool {
        switch table.states[index] {
        case .rejected, .failed, .cancelled, .published: return true
        case .generated: return isDraft(index)
        case .pending, .generating, .publishing: return false
        }
    }

    /// Counts the items that are not final. O(n).
    func countOpen() {
        open = (0..<count).reduce(0) { $0 + (isFinal($1) ? 0 : 1) }
    }

    /// The earliest due instant of an item still to publish, from the publication cursor.
    var nextPublishTime: Timestamp? {
        guard publishes, cancelledAt == nil else { return nil }
        var index = nextPublish
        while index < count {
            if !isFinal(index) && table.states[index] != .publishing { return table.due[index] }
            index += 1
        }
        return nil
    }

    /// The batch state: cancelled, completed (something generated or published), failed, or
    /// in progress while items are open.
    var state: BatchState {
        if open > 0 { return .inProgress }
        if cancelledAt != nil { return .cancelled }
        let progress = Progress(table.states)
        return progress[.generated] + progress[.published] > 0 ? .completed : .failed
    }

    /// The status to write now (a cheap copy: the columns are copied on write).
    func status(now: Timestamp, leadSeconds: Double) -> BatchStatus {
        var status = BatchStatus(
            batchID: batchID, org: org, format: request.format, sourceFile: marker.sourceFile, state: state,
            createdAt: marker.admittedAt, idempotencyKey: request.idempotencyKey, items: [])
        status.table = table
        status.schedule = request.schedule
        status.leadSeconds = leadSeconds
        status.warnings = warnings
        status.duplicates = duplicates
        status.cancelledAt = cancelledAt
        status.nextPublishTime = nextPublishTime
        if open == 0 { status.completedAt = now }
        return status
    }

    /// Every item's outcome, for the result of a finished batch: content for items not
    /// published (drafts), errors, variants. O(n).
    func outcomes() -> [ItemOutcome] {
        (0..<count).map { index in
            let item = request.items[index]
            let stored = contents[index]
            return ItemOutcome(
                index: index, id: item.id, state: table.states[index], templateID: item.templateID,
                copyID: table.copyIDs[index], trackingID: item.trackingID,
                content: table.states[index] == .generated ? stored?.content : nil,
                error: table.errors[index] ?? item.rejection, trace: stored?.trace, format: table.formats[index])
        }
    }

    /// The state of item `index` once its generation finished: `generated`, or `cancelled` when
    /// the batch was cancelled meanwhile and the item would have been published (a draft keeps
    /// its content, as ``markCancelled(at:)`` leaves generated drafts alone). The same rule
    /// applies live and when the journal is replayed, whichever of the item's line and the
    /// cancellation's came first.
    func stateAfterGeneration(_ index: Int) -> ItemState {
        cancelledAt != nil && publishes && !request.items[index].draft ? .cancelled : .generated
    }

    /// Cancels the pending items and the generated ones waiting for publication; items being
    /// generated or published are left to finish (one that finishes generating becomes
    /// `cancelled` then, ``stateAfterGeneration(_:)``). Returns how many became cancelled. O(n).
    func markCancelled(at: Timestamp) -> Int {
        let publishable = publishes && cancelledAt == nil
        var cancelled = 0
        for index in 0..<count {
            let state = table.states[index]
            if state == .pending || (state == .generated && publishable && !request.items[index].draft) {
                table.states[index] = .cancelled
                contents[index] = nil
                cancelled += 1
            }
        }
        cancelledAt = at
        return cancelled
    }

    /// Applies the journal's records, in order, to the fresh columns. O(journal).
    func replay() throws(Errno) {
        try journal.replay { record in
            switch record {
            case .cancel(let at, let cancelled):
                _ = markCancelled(at: at)
                cancelledCount = cancelled
            case .outcome(let outcome):
                let index = outcome.index
                guard index >= 0 && index < count, table.states[index] != .rejected else { return }
                table.states[index] = outcome.state == .generated ? stateAfterGeneration(index) : outcome.state
                if let copyID = outcome.copyID { table.copyIDs[index] = copyID }
                if let format = outcome.format { table.formats[index] = format }
                switch table.states[index] {
                case .generated: contents[index] = outcome
                case .failed:
                    table.errors[index] = outcome.error
                    contents[index] = nil
                default: contents[index] = nil
                }
            }
        }
    }
}

/// One batch's share of a group of scheduled work, handed to a worker thread.
struct Job: Sendable {
    /// One item to generate (when `stored` is `nil`) and/or publish.
    struct Entry: Sendable {
        var item: WorkItem
        var due: Timestamp
        /// The content generated earlier, to publish.
        var stored: ItemOutcome?
        /// Whether to publish the item once it is generated.
        var publish: Bool
    }

    var slot: Int
    var org: String
    var batchID: String
    var journal: ItemJournal
    var promptContext: PromptContext
    /// The lease the work is done under: checked before anything is published.
    var lease: BatchLease?
    /// The batch's cancellation: an item this job generates is not published once it is set.
    var cancel: CancelSignal
    var entries: [Entry]

    /// What became of one entry.
    struct Done: Sendable {
        var index: Int
        var outcome: ItemOutcome
        var published: Bool
    }
}
