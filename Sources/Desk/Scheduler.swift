import DeskKit
import Dialects
import Generation
import Scheduling
import Validation

#if canImport(Glibc)
    import Glibc
#endif

/// Generates each item of the scheduled batches `lead` seconds before it is due and publishes
/// it at its due instant, driven by two timer queues (heaps: generation, publication).
///
/// Each batch has one entry per queue, at the due instant of the next item its cursor will look
/// at, so the queues hold O(batches) entries and taking the next due item is O(log batches);
/// items of a batch are due in index order. A step takes what is due (publications first, in
/// due order across batches, then at most `checkpoint_items` generations), does the work on a
/// blocking thread and journals it (append + `fsync`) before the states change: generated
/// content is stored before it is published, and an item is journaled `published` only after
/// its file and folder are durable. After a restart (``recover()``) the journal is the truth:
/// overdue items are published at once, in due order, and none twice (publishing rewrites the
/// same bytes). Status writes are coalesced per batch (at most one every
/// `status_interval_seconds`, and at most 5% of the time spent writing statuses) and done off
/// the actor. The clock is injected; ``runDue()`` does everything due now (`copydesk process`,
/// tests), ``run(until:)`` is the daemon's service.
public actor Scheduler {
    enum Action: Sendable { case generate, publish }
    struct Key: Sendable {
        var slot: Int
        var token: Int
    }

    let layout: DeskLayout
    let configuration: DeskConfiguration
    let generator: ContentGenerator
    let bandit: BanditStore
    let statusBook: StatusBook
    let clock: any DeskClock
    let logger: Logger
    let metrics: Metrics
    let executor: BlockingExecutor
    let publisher: Publisher
    /// The orgs' credits: a cancelled or failed item's credit is refunded.
    let credits: CreditLedger
    /// Nanoseconds before its due instant an item is generated.
    let lead: Int64
    /// The leases on scheduled batches (several processes on one desk).
    let leases: LeaseBook
    /// Nanoseconds a lease lives without a renewal.
    let leaseNanoseconds: UInt64
    /// Leases other processes hold on batches this one knows of: what was seen, and since when
    /// (uptime ns) it has not changed.
    var foreign: [String: (holder: LeaseBook.Holder, since: UInt64)] = [:]
    /// When leases were last renewed and other batches looked at (uptime ns), and cancellation
    /// requests last looked for.
    var lastLeaseCheck: UInt64 = 0
    var lastCancelCheck: UInt64 = 0

    private var generateQueue = TimerQueue<Key>()
    private var publishQueue = TimerQueue<Key>()
    var batches: [Int: ScheduledBatch] = [:]
    var slots: [String: Int] = [:]
    private var nextSlot = 0
    /// Batches being finished (their last writes).
    private var finishing: [Task<Void, Never>] = []
    /// Items that could not be written (disk full, …) are tried again after this long.
    private let retryNanoseconds: Int64 = 5_000_000_000
    /// The sleeping ``run(until:)``, resumed by a wake-up or its timer.
    private var sleeper: CheckedContinuation<Void, Never>?
    /// A wake-up that came while nothing slept: the next sleep returns at once.
    private var wakePending = false

    /// A scheduler for the desk `layout`, doing blocking work on `executor`.
    public init(
        layout: DeskLayout, configuration: DeskConfiguration, generator: ContentGenerator, bandit: BanditStore,
        statusBook: StatusBook, clock: any DeskClock, logger: Logger, metrics: Metrics, executor: BlockingExecutor,
        identity: ProcessIdentity = .current, credits: CreditLedger? = nil
    ) {
        self.credits = credits ?? CreditLedger(layout: layout, budgets: configuration.credits, clock: clock)
        self.layout = layout
        self.configuration = configuration
        self.generator = generator
        self.bandit = bandit
        self.statusBook = statusBook
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.executor = executor
        self.publisher = Publisher(layout: layout)
        self.lead = Int64((configuration.leadSeconds * 1e9).rounded())
        self.leases = LeaseBook(layout: layout, identity: identity)
        self.leaseNanoseconds = UInt64(configuration.leaseSeconds * 1e9)
        metrics.describe("copydesk_items_published_total", "Scheduled items published.")
        metrics.describe(
            "copydesk_publish_lateness_seconds", "From an item's due instant to its file being durable.")
        metrics.describe("copydesk_scheduled_batches", "Scheduled batches not finished yet.")
        metrics.describe(
            "copydesk_scheduler_wakeups_total", "Passes of the scheduler loop (about one a second when idle).")
    }

    /// Wakes ``run(until:)`` to look at its queues again (new work, a cancellation, a stop).
    public nonisolated func wake() { Task { await self.resumeSleeper() } }

    private func resumeSleeper() {
        if let sleeper {
            self.sleeper = nil
            sleeper.resume()
        } else {
            wakePending = true
        }
    }

    /// How many batches are scheduled and not finished.
    public var batchCount: Int { batches.count }

    /// The earliest instant something is due (generation or publication), if anything is.
    public var nextDue: Timestamp? {
        switch (generateQueue.nextDue, publishQueue.nextDue) {
        case (let g?, let p?): return min(g, p)
        case (let g?, nil): return g
        case (nil, let p?): return p
        case (nil, nil): return nil
        }
    }

    // MARK: Loading batches

    /// Takes a batch just admitted. Nothing happens if it is already scheduled here.
    public func add(_ admission: ScheduledAdmission) async {
        let key = admission.org + "/" + admission.batchID
        guard slots[key] == nil else { return }
        guard let lease = await takeLease(org: admission.org, batchID: admission.batchID) else {
            // Another live process already works on it (it recovered the batch first).
            logger.info("schedule.held_elsewhere", ["batch": admission.batchID, "org": admission.org])
            return
        }
        let table = ScheduledItems(items: admission.request.items, due: admission.due)
        let journal = ItemJournal(path: layout.itemJournal(org: admission.org, batchID: admission.batchID))
        let batch = ScheduledBatch(
            slot: nextSlot, marker: admission.marker, request: admission.request, warnings: admission.warnings,
            table: table, journal: journal, promptContext: admission.promptContext)
        batch.lease = lease
        nextSlot += 1
        // A journal exists only if an earlier process already worked on the batch.
        let exists = FileSystem.exists(journal.path)
        if exists {
            do throws(Errno) {
                try batch.replay()
            } catch {
                logger.error("schedule.replay_failed", ["batch": admission.batchID, "error": error.description])
            }
        }
        register(batch)
        resumeSleeper()
    }

    /// Loads every scheduled batch of the desk that has not finished, from its marker, its
    /// archived request and its journal. A batch whose request is not archived yet is left to
    /// the claim recovery, which admits it again. O(items of those batches + their journals).
    public func recover() async {
        let markers = await executor.run { [layout] in ScheduleMarker.all(layout: layout) }
        for marker in markers { _ = await load(marker) }
        lastLeaseCheck = clock.uptimeNanoseconds()
    }

    /// Loads the batch of `marker` if this process can take its lease; the error when its
    /// request could not be read, else `nil` (also when another process holds it).
    func load(_ marker: ScheduleMarker) async -> DeskError? {
        let key = marker.org + "/" + marker.batchID
        if slots[key] != nil { return nil }
        guard let lease = await takeLease(org: marker.org, batchID: marker.batchID) else { return nil }
        let layout = self.layout
        let credits = self.credits
        let loaded = await executor.run { () -> Result<ScheduledAdmission, DeskError> in
            Self.readAdmission(marker, layout: layout, credits: credits)
        }
        switch loaded {
        case .failure(let error):
            logger.warning(
                "schedule.recover_skipped", ["batch": marker.batchID, "org": marker.org, "reason": error.message])
            await executor.run { [leases] in leases.release(lease) }
            return error
        case .success(let admission):
            let table = ScheduledItems(items: admission.request.items, due: admission.due)
            let journal = ItemJournal(path: layout.itemJournal(org: marker.org, batchID: marker.batchID))
            let batch = ScheduledBatch(
                slot: nextSlot, marker: marker, request: admission.request, warnings: admission.warnings, table: table,
                journal: journal, promptContext: admission.promptContext)
            batch.lease = lease
            nextSlot += 1
            do throws(Errno) {
                try batch.replay()
            } catch {
                logger.error("schedule.replay_failed", ["batch": marker.batchID, "error": error.description])
                await executor.run { [leases] in leases.release(lease) }
                return DeskError.io("cannot read the item journal of batch '\(marker.batchID)'", error)
            }
            batch.duplicates =
                statusBook.readHeader(org: marker.org, batchID: marker.batchID)?["duplicates"]?
                .arrayValue ?? []
            _ = statusBook.begin(marker.batchID)
            register(batch)
            logger.info(
                "schedule.recovered",
                ["batch": marker.batchID, "org": marker.org, "items": "\(batch.count)", "open": "\(batch.open)"])
            return nil
        }
    }

    /// Reads and decodes the archived request of `marker` and computes its due instants; the
    /// items its org's credits did not cover at admission are rejected again (``CreditLedger``
    /// finds the batch's spend and pays nothing twice).
    nonisolated static func readAdmission(
        _ marker: ScheduleMarker, layout: DeskLayout, credits: CreditLedger
    ) -> Result<
        ScheduledAdmission, DeskError
    > {
        let path = Path.join(layout.root, marker.requestPath)
        guard FileSystem.exists(path) else {
            return .failure(DeskError(.notFound, "the request \(marker.requestPath) is not archived yet"))
        }
        guard let dialect = RequestFormat.dialect(named: marker.format) else {
            return .failure(DeskError(.unknownFormat, "unknown format \(marker.format)"))
        }
        do throws(DeskError) {
            let document: JSONValue
            do throws(JSONFile.ReadError) {
                document = try JSONFile.read(path, limit: Int.max)
            } catch {
                throw error.deskError(marker.requestPath, tooLarge: .tooLarge, invalid: .invalidJSON)
            }
            let context = DecodeContext(
                batchID: marker.batchID, org: marker.org, fileName: marker.sourceFile,
                library: layout.library(org: marker.org))
            var decoded = try dialect.decode(document, context: context)
            if let name = decoded.itemsFrom {
                // Its rows were archived beside it as <batch_id>.csv / .jsonl.
                let rows = Path.join(Path.parent(path), marker.batchID + "." + Path.extension(name))
                _ = try NativeRequestDecoder.appendRows(
                    to: &decoded, document: document, path: rows, displayName: name, limit: Int.max)
            }
            var request = try Validator(maxItems: Int.max).validate(decoded)
            do throws(Errno) {
                try credits.admit(&request, batchID: marker.batchID, org: marker.org)
            } catch {
                throw DeskError.io("cannot read the credit ledger of \(marker.org)", error)
            }
            let due = request.schedule.dueTimes(count: request.items.count, now: marker.admittedAt)
            return .success(
                ScheduledAdmission(
                    batchID: marker.batchID, org: marker.org, sourceFile: marker.sourceFile, request: request, due: due,
                    admittedAt: marker.admittedAt, warnings: request.schedule.warnings(now: marker.admittedAt),
                    promptContext: PromptContext.resolve(request, org: marker.org, layout: layout)))
        } catch {
            return .failure(error)
        }
    }

    func register(_ batch: ScheduledBatch) {
        batch.countOpen()
        batches[batch.slot] = batch
        slots[batch.org + "/" + batch.batchID] = batch.slot
        metrics.set("copydesk_scheduled_batches", Double(batches.count))
        if batch.open == 0 {
            // Everything was done before a crash took the process: only the end was left.
            finishing.append(Task { await self.finish(batch) })
            return
        }
        rescheduleGenerate(batch)
        reschedulePublish(batch)
        batch.dirty = true
    }

    private func rescheduleGenerate(_ batch: ScheduledBatch) {
        batch.generateToken += 1
        while batch.nextGenerate < batch.count && batch.table.states[batch.nextGenerate] != .pending {
            batch.nextGenerate += 1
        }
        guard batch.nextGenerate < batch.count else { return }
        let at = Timestamp(nanoseconds: batch.table.due[batch.nextGenerate].nanoseconds - lead)
        generateQueue.schedule(Key(slot: batch.slot, token: batch.generateToken), at: at)
    }

    private func reschedulePublish(_ batch: ScheduledBatch, notBefore: Timestamp? = nil) {
        batch.publishToken += 1
        while batch.nextPublish < batch.count && batch.isFinal(batch.nextPublish) { batch.nextPublish += 1 }
        guard batch.nextPublish < batch.count else { return }
        var at = batch.table.due[batch.nextPublish]
        if let notBefore, notBefore > at { at = notBefore }
        publishQueue.schedule(Key(slot: batch.slot, token: batch.publishToken), at: at)
    }

    // MARK: Doing the work

    /// Does everything due now, then writes every status that changed and finishes the batches
    /// that are done (`copydesk process`). Returns the number of items handled.
    /// With `onlyStatuses`, nothing is generated or published: only statuses and the ends of
    /// batches are written (after a cancellation applied by `copydesk cancel`).
    @discardableResult
    public func runDue(onlyStatuses: Bool = false) async -> Int {
        var handled = 0
        while !onlyStatuses {
            let n = await step()
            if n == 0 { break }
            handled += n
        }
        await flushStatuses(force: true)
        return handled
    }

    /// Runs until `shutdown` is triggered: sleeps until the next due instant (or a wake-up, at
    /// most a second, so a clock step or a machine sleep is noticed), does what is due.
    public func run(until shutdown: ShutdownSignal) async {
        while !shutdown.isTriggered {
            // One per pass of the loop: an idle daemon makes about one a second, never a spin.
            metrics.increment("copydesk_scheduler_wakeups_total")
            await maintainLeases()
            if await step() > 0 { continue }
            await flushStatuses(force: false)
            let now = clock.now()
            var wakeAt = nextDue ?? now.adding(seconds: 1)
            if let status = nextStatusWrite() { wakeAt = min(wakeAt, status) }
            let delay = max(0, min(wakeAt.nanoseconds - now.nanoseconds, 1_000_000_000))
            if delay > 0 { await sleep(nanoseconds: UInt64(delay)) }
        }
        await flushStatuses(force: true)
        for batch in batches.values { await batch.statusTask?.value }
        await releaseLeases()
    }

    /// Sleeps `nanoseconds`, or less when woken. A timer task resumes the sleeper; a wake-up
    /// resumes it first and cancels the timer.
    private func sleep(nanoseconds: UInt64) async {
        if wakePending {
            wakePending = false
            return
        }
        let timer = Task {
            try? await Task.sleep(nanoseconds: nanoseconds)
            if !Task.isCancelled { self.resumeSleeper() }
        }
        await withCheckedContinuation { sleeper = $0 }
        timer.cancel()
        wakePending = false
    }

    /// Takes one group of due work and does it; returns the number of items in it (0: nothing
    /// was due).
    func step() async -> Int {
        let now = clock.now()
        var collected = collectPublications(now: now)
        if collected.isEmpty { collected = collectGenerations(now: now) }
        guard !collected.isEmpty else { return 0 }
        let jobs = collected
        let generator = self.generator
        let bandit = self.bandit
        let publisher = self.publisher
        let leases = self.leases
        let results = await executor.run { () -> [(Job, Result<[Job.Done], Errno>)] in
            jobs.map { job in
                (job, Self.perform(job, generator: generator, bandit: bandit, publisher: publisher, leases: leases))
            }
        }
        let finishedAt = clock.now()
        for (job, result) in results { apply(job, result, at: finishedAt) }
        return jobs.reduce(0) { $0 + $1.entries.count }
    }

    /// Publications due at `now`, in due order across batches (at most `checkpoint_items`).
    private func collectPublications(now: Timestamp) -> [Job] {
        var jobs: [Int: Job] = [:]
        var order: [Int] = []
        var taken = 0
        let limit = configuration.checkpointItems
        while taken < limit, let next = publishQueue.nextDue, next <= now {
            guard let (key, _) = publishQueue.popDue(now: now) else { break }
            guard let batch = batches[key.slot], key.token == batch.publishToken, !batch.finished else { continue }
            var index = batch.nextPublish
            while index < batch.count && taken < limit {
                let due = batch.table.due[index]
                if due > now { break }
                if let other = publishQueue.nextDue, due > other { break }
                let state = batch.table.states[index]
                if state == .pending {
                    let entry = Job.Entry(
                        item: batch.request.items[index], due: due, stored: nil, publish: !batch.isDraft(index))
                    append(entry, of: batch, to: &jobs, order: &order)
                    batch.table.states[index] = .generating
                    taken += 1
                } else if state == .generated && !batch.isDraft(index), let stored = batch.contents[index] {
                    let entry = Job.Entry(item: batch.request.items[index], due: due, stored: stored, publish: true)
                    append(entry, of: batch, to: &jobs, order: &order)
                    batch.table.states[index] = .publishing
                    taken += 1
                }
                index += 1
            }
            batch.nextPublish = index
            reschedulePublish(batch)
        }
        return order.compactMap { jobs[$0] }
    }

    /// Generations due at `now` (`lead` before the items' due instants), at most
    /// `checkpoint_items`.
    private func collectGenerations(now: Timestamp) -> [Job] {
        var jobs: [Int: Job] = [:]
        var order: [Int] = []
        var taken = 0
        let limit = configuration.checkpointItems
        while taken < limit, let next = generateQueue.nextDue, next <= now {
            guard let (key, _) = generateQueue.popDue(now: now) else { break }
            guard let batch = batches[key.slot], key.token == batch.generateToken, !batch.finished else { continue }
            var index = batch.nextGenerate
            while index < batch.count && taken < limit {
                let due = batch.table.due[index]
                if due.nanoseconds - lead > now.nanoseconds { break }
                if batch.table.states[index] == .pending {
                    let entry = Job.Entry(item: batch.request.items[index], due: due, stored: nil, publish: false)
                    append(entry, of: batch, to: &jobs, order: &order)
                    batch.table.states[index] = .generating
                    taken += 1
                }
                index += 1
            }
            batch.nextGenerate = index
            rescheduleGenerate(batch)
        }
        return order.compactMap { jobs[$0] }
    }

    private func append(_ entry: Job.Entry, of batch: ScheduledBatch, to jobs: inout [Int: Job], order: inout [Int]) {
        if jobs[batch.slot] == nil {
            jobs[batch.slot] = Job(
                slot: batch.slot, org: batch.org, batchID: batch.batchID, journal: batch.journal,
                promptContext: batch.promptContext, lease: batch.lease, cancel: batch.cancelSignal, entries: [])
            order.append(batch.slot)
        }
        jobs[batch.slot]!.entries.append(entry)
    }

    /// Generates what has no content yet, journals it, publishes what must be, journals that.
    /// Runs on a blocking thread.
    nonisolated static func perform(
        _ job: Job, generator: ContentGenerator, bandit: BanditStore, publisher: Publisher, leases: LeaseBook
    ) -> Result<[Job.Done], Errno> {
        // Another process took the batch over (this one was stopped or cut off too long): hands off.
        if let lease = job.lease, !leases.holds(lease) { return .failure(Errno(ESTALE, "lease on \(job.batchID)")) }
        // Everything without content is generated at once (provider items concurrently, each
        // provider within its limit), with the batch's prompt settings and brand profiles.
        let due = Dictionary(job.entries.map { ($0.item.index, $0.due) }) { a, _ in a }
        var generated: [Int: ItemOutcome] = [:]
        generator.generate(
            job.entries.lazy.filter { $0.stored == nil }.map(\.item), org: job.org, context: job.promptContext,
            scheduledFor: { due[$0.index] }
        ) { arrived in
            for outcome in arrived { generated[outcome.index] = outcome }
        }
        var done: [Job.Done] = []
        done.reserveCapacity(job.entries.count)
        var made: [ItemOutcome] = []
        for entry in job.entries {
            let outcome =
                entry.stored ?? generated[entry.item.index]
                ?? ItemOutcome(index: entry.item.index, id: entry.item.id, state: .failed)
            if entry.stored == nil { made.append(outcome) }
            done.append(Job.Done(index: entry.item.index, outcome: outcome, published: false))
        }
        do throws(Errno) {
            if !made.isEmpty {
                // Deliveries (tracking id → variant) are durable before the outputs that carry them.
                try bandit.sync()
                try job.journal.append(made)
            }
            var published: [ItemOutcome] = []
            var refused: [ItemOutcome] = []
            if let lease = job.lease, job.entries.contains(where: \.publish), !leases.holds(lease) {
                throw Errno(ESTALE, "lease on \(job.batchID)")
            }
            for (position, entry) in job.entries.enumerated()
            where entry.publish && done[position].outcome.state == .generated {
                if entry.stored == nil && job.cancel.isTriggered {
                    // Cancelled while it was being generated: it finishes, but is not published.
                    continue
                }
                if Publisher.refuse(&done[position].outcome, item: entry.item) {
                    // Content that is not what its file would be named for: the item fails.
                    refused.append(done[position].outcome)
                    continue
                }
                if published.isEmpty { try publisher.prepareFolder(org: job.org, batchID: job.batchID) }
                try publisher.publish(
                    batchID: job.batchID, org: job.org, item: entry.item, outcome: done[position].outcome,
                    due: entry.due)
                done[position].published = true
                published.append(ItemOutcome(index: entry.item.index, state: .published))
            }
            if !refused.isEmpty { try job.journal.append(refused) }
            if !published.isEmpty {
                try publisher.syncFolder(org: job.org, batchID: job.batchID)
                try job.journal.append(published)
            }
            return .success(done)
        } catch {
            return .failure(error)
        }
    }

    private func apply(_ job: Job, _ result: Result<[Job.Done], Errno>, at now: Timestamp) {
        guard let batch = batches[job.slot] else { return }
        switch result {
        case .failure(let error) where error.code == ESTALE:
            logger.warning("schedule.lease_lost", ["batch": job.batchID, "org": job.org])
            drop(batch)
            return
        case .failure(let error):
            logger.error("schedule.io_error", ["batch": job.batchID, "org": job.org, "error": error.description])
            metrics.recordIOError(error, at: now)
            FileSystem.forgetKnownFolders()
            var first = batch.count
            for entry in job.entries {
                let index = entry.item.index
                first = min(first, index)
                switch batch.table.states[index] {
                case .generating: batch.table.states[index] = .pending
                case .publishing: batch.table.states[index] = .generated
                default: break
                }
            }
            // Try again after a pause; a generation may have been journaled: it is reused then.
            batch.nextGenerate = min(batch.nextGenerate, first)
            batch.nextPublish = min(batch.nextPublish, first)
            let retry = now.adding(seconds: Double(retryNanoseconds) / 1e9)
            batch.generateToken += 1
            generateQueue.schedule(Key(slot: batch.slot, token: batch.generateToken), at: retry)
            reschedulePublish(batch, notBefore: retry)
        case .success(let done):
            var publishedCount = 0
            for item in done {
                let index = item.index
                let outcome = item.outcome
                if let copyID = outcome.copyID { batch.table.copyIDs[index] = copyID }
                if let format = outcome.format { batch.table.formats[index] = format }
                let wasOpen = !batch.isFinal(index)
                if outcome.state == .failed {
                    batch.table.states[index] = .failed
                    batch.table.errors[index] = outcome.error
                    batch.contents[index] = nil
                } else if item.published {
                    batch.table.states[index] = .published
                    batch.contents[index] = nil
                    publishedCount += 1
                    metrics.observe(
                        "copydesk_publish_lateness_seconds",
                        max(0, Double(now.nanoseconds - batch.table.due[index].nanoseconds) / 1e9))
                } else if batch.stateAfterGeneration(index) == .cancelled {
                    // Generated while the batch was cancelled: it is not published.
                    batch.table.states[index] = .cancelled
                    batch.contents[index] = nil
                } else {
                    batch.table.states[index] = .generated
                    batch.contents[index] = outcome
                }
                if wasOpen && batch.isFinal(index) { batch.open -= 1 }
            }
            if publishedCount > 0 {
                metrics.increment("copydesk_items_published_total", by: Double(publishedCount))
                // One line per journaled group: the audit trail of what was published, by whom.
                logger.info(
                    "schedule.published",
                    [
                        "org": batch.org, "batch": batch.batchID,
                        "items": done.filter(\.published).map { String($0.index) }.joined(separator: ","),
                    ])
            }
            // Items generated ahead of a publication cursor that already passed them.
            if batch.nextPublish > 0 {
                let earliest = done.map(\.index).min() ?? batch.nextPublish
                if earliest < batch.nextPublish && !batch.isFinal(earliest) {
                    batch.nextPublish = earliest
                    reschedulePublish(batch)
                }
            }
        }
        batch.dirty = true
        if batch.open == 0 {
            finishing.append(Task { await self.finish(batch) })
        } else {
            writeStatus(batch, force: false)
        }
    }

    // MARK: Statuses and the end of a batch

    /// The earliest instant a changed status may be written.
    private func nextStatusWrite() -> Timestamp? {
        let now = clock.now()
        let uptime = clock.uptimeNanoseconds()
        var earliest: Timestamp?
        for batch in batches.values where batch.dirty && !batch.finished {
            let wait = Int64(interval(batch)) - Int64(uptime &- batch.lastStatusWrite)
            let at = Timestamp(nanoseconds: now.nanoseconds + max(0, wait))
            earliest = earliest.map { min($0, at) } ?? at
        }
        return earliest
    }

    private func interval(_ batch: ScheduledBatch) -> UInt64 {
        max(UInt64(configuration.statusIntervalSeconds * 1e9), batch.statusCost * 20)
    }

    /// Writes the status of `batch` if it changed and its interval has passed (or `force`), on a
    /// blocking thread, after any write still in flight.
    func writeStatus(_ batch: ScheduledBatch, force: Bool, final: Bool = false) {
        guard batch.dirty || final else { return }
        let uptime = clock.uptimeNanoseconds()
        guard force || final || uptime &- batch.lastStatusWrite >= interval(batch) else { return }
        batch.dirty = false
        batch.lastStatusWrite = uptime
        let status = batch.status(now: clock.now(), leadSeconds: configuration.leadSeconds)
        let previous = batch.statusTask
        let executor = self.executor
        let statusBook = self.statusBook
        let clock = self.clock
        let logger = self.logger
        let dialect = batch.dialect
        let slot = batch.slot
        batch.statusTask = Task {
            await previous?.value
            let started = clock.uptimeNanoseconds()
            let error = await executor.run { () -> Errno? in
                do throws(Errno) {
                    try statusBook.write(status, final: final, dialect: dialect)
                    return nil
                } catch {
                    return error
                }
            }
            if let error {
                logger.error("status.write_failed", ["batch": status.batchID, "error": error.description])
            }
            self.statusWritten(slot: slot, cost: clock.uptimeNanoseconds() &- started, failed: error != nil)
        }
    }

    private func statusWritten(slot: Int, cost: UInt64, failed: Bool) {
        guard let batch = batches[slot] else { return }
        batch.statusCost = cost
        if failed { batch.dirty = true }
    }

    /// Writes every changed status whose interval passed (or all, with `force`), and waits for
    /// the writes when forced.
    private func flushStatuses(force: Bool) async {
        for batch in batches.values where !batch.finished { writeStatus(batch, force: force) }
        if force {
            for batch in batches.values { await batch.statusTask?.value }
            while let task = finishing.popLast() { await task.value }
        }
    }

    /// Ends a batch whose items are all final: its result (for a format that answers when the
    /// batch finishes), its final status, then the marker and the journal go.
    func finish(_ batch: ScheduledBatch) async {
        guard !batch.finished else { return }
        batch.finished = true
        let now = clock.now()
        let state = batch.state
        let outcomes = batch.outcomes()
        let result = BatchResult(
            batchID: batch.batchID, org: batch.org, status: state, request: batch.request, outcomes: outcomes,
            completedAt: now, dueTimes: batch.table.due, warnings: batch.warnings)
        let answersAtAdmission = batch.dialect.encodeAdmission(result) != nil
        let dialect = batch.dialect
        let layout = self.layout
        let marker = batch.marker
        let journal = batch.journal
        let leases = self.leases
        let credits = self.credits
        let refunds = batch.table.states.indices.filter {
            batch.table.states[$0] == .cancelled || batch.table.states[$0] == .failed
        }
        writeStatus(batch, force: true, final: true)
        await batch.statusTask?.value
        let error = await executor.run { () -> Errno? in
            do throws(Errno) {
                // Before the marker goes: a crash in between refunds again, which changes nothing.
                try credits.refund(refunds, batchID: marker.batchID, org: marker.org)
                let path = layout.result(org: marker.org, batchID: marker.batchID)
                if !answersAtAdmission {
                    try AtomicFile.createIfAbsent(at: path) { dialect.encodeResult(result) }
                }
                marker.remove(layout: layout)
                // The journal says what was published when, and by which pass: kept with the
                // request as archive/<org>/<batch_id>.journal.jsonl.
                journal.archive(to: layout.scheduleJournalArchive(org: marker.org, batchID: marker.batchID))
                leases.removeAll(org: marker.org, batchID: marker.batchID)
                return nil
            } catch {
                return error
            }
        }
        if let error {
            // The marker stays: the next start finishes the batch.
            logger.error("schedule.finish_failed", ["batch": batch.batchID, "error": error.description])
        }
        let progress = Progress(batch.table.states)
        for itemState in ItemState.allCases where progress[itemState] > 0 {
            metrics.increment("copydesk_items_total", by: Double(progress[itemState]), ["status": itemState.rawValue])
        }
        batches[batch.slot] = nil
        slots[batch.org + "/" + batch.batchID] = nil
        metrics.set("copydesk_scheduled_batches", Double(batches.count))
        logger.info(
            "batch.done",
            [
                "org": batch.org, "batch": batch.batchID, "status": state.rawValue, "items": "\(batch.count)",
                "published": "\(progress[.published])", "generated": "\(progress[.generated])",
                "cancelled": "\(progress[.cancelled])", "failed": "\(progress[.failed])",
            ])
    }

    // MARK: Cancelling

    /// Cancels `batchID` of `org`: pending items, and generated items waiting for publication,
    /// become `cancelled`; published items stay; items being generated or published finish (one
    /// whose generation ends after this is not published: it becomes `cancelled` too, unless it
    /// is a draft, ``ScheduledBatch/stateAfterGeneration(_:)``).
    ///
    /// Idempotent: a second cancellation answers what the first one did. A batch that already
    /// finished answers `alreadyFinished`; an unknown batch is `NOT_FOUND`. Returns the
    /// cancellation and the batch's format.
    public func cancel(batchID: String, org: String) async -> Result<(BatchCancellation, String), DeskError> {
        let key = org + "/" + batchID
        if slots[key] == nil, let marker = ScheduleMarker.load(layout: layout, org: org, batchID: batchID),
            let error = await load(marker)
        {
            // The batch is scheduled but cannot be resumed: say why, not "already finished".
            return .failure(
                DeskError(
                    error.code, "batch '\(batchID)' cannot be cancelled now: \(error.message)", field: "cancel"))
        }
        if slots[key] == nil, let answer = await cancelHeldElsewhere(batchID: batchID, org: org) { return answer }
        let now = clock.now()
        guard let slot = slots[key], let batch = batches[slot], !batch.finished else {
            guard let header = statusBook.readHeader(org: org, batchID: batchID) else {
                return .failure(
                    DeskError(.notFound, "there is no batch '\(batchID)' in the org '\(org)'", field: "cancel"))
            }
            let published = header["progress"]?["published"]?.intValue ?? 0
            let cancelled = header["progress"]?["cancelled"]?.intValue ?? 0
            let format = header["format"]?.stringValue ?? RequestFormat.native
            let state = (header["state"]?.stringValue ?? header["status"]?.stringValue).flatMap(
                BatchState.init(rawValue:))
            guard let state, state.isFinal else {
                // Not scheduled and still running (an immediate batch being generated).
                return .failure(
                    DeskError(
                        .invalidRequest,
                        "batch '\(batchID)' is not scheduled and is still being generated; only scheduled batches can be cancelled",
                        field: "cancel"))
            }
            let wasCancelled = state == .cancelled
            return .success(
                (
                    BatchCancellation(
                        batchID: batchID, org: org, cancelled: wasCancelled ? cancelled : 0, published: published,
                        alreadyFinished: !wasCancelled, at: now), format
                ))
        }
        if batch.cancelledAt == nil {
            let cancelled = batch.markCancelled(at: now)
            batch.cancelledCount = cancelled
            batch.countOpen()
            batch.generateToken += 1
            batch.publishToken += 1
            let journal = batch.journal
            let credits = self.credits
            let refunds = batch.table.states.indices.filter { batch.table.states[$0] == .cancelled }
            let error = await executor.run { () -> Errno? in
                do throws(Errno) {
                    try journal.appendCancel(at: now, cancelled: cancelled)
                    // The balance shows the refund at once (the batch's end refunds again, idempotently).
                    try credits.refund(refunds, batchID: batchID, org: org)
                    return nil
                } catch {
                    return error
                }
            }
            if let error {
                return .failure(DeskError.io("cannot journal the cancellation of \(batchID)", error))
            }
            batch.dirty = true
            if batch.open == 0 {
                await finish(batch)
            } else {
                writeStatus(batch, force: true)
            }
        }
        let published = batch.table.states.reduce(0) { $0 + ($1 == .published ? 1 : 0) }
        return .success(
            (
                BatchCancellation(
                    batchID: batchID, org: org, cancelled: batch.cancelledCount, published: published,
                    alreadyFinished: false, at: batch.cancelledAt ?? now), batch.request.format
            ))
    }
}
