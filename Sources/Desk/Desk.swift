import DeskKit
import Dialects
import Generation
import Intake
import Synchronization

/// A desk opened for work: its layout, settings and the shared parts of every stage.
///
/// `copydesk watch` runs ``run(options:)`` (the daemon); `copydesk process` runs
/// ``processOnce()`` (one pass).
public final class Desk: Sendable {
    /// The desk's folders.
    public let layout: DeskLayout
    /// Its settings (`copydesk.json` over the defaults).
    public let configuration: DeskConfiguration
    /// Where lines are logged.
    public let logger: Logger
    /// Counters for `state/metrics.prom`.
    public let metrics = Metrics()
    /// Set when the desk is asked to stop.
    public let shutdown = ShutdownSignal()
    let clock: any DeskClock
    /// Who this process is on the desk (its claim folder and leases); tests give several desks
    /// in one process identities of their own.
    let identity: ProcessIdentity
    let claims: ClaimStore
    let statusBook: StatusBook
    let processor: BatchProcessor
    /// The orgs' credit budgets and their ledger.
    public let credits: CreditLedger
    /// The bandit's statistics, deliveries and sticky assignments.
    public let bandit: BanditStore
    let startedAt: Timestamp
    let stopIntake = Mutex<IntakeService?>(nil)
    /// The scheduler of the running daemon, woken on stop.
    let runningScheduler = Mutex<Scheduler?>(nil)
    /// Generates scheduled items (the same library and bandit as the processor's).
    let generator: ContentGenerator
    /// The providers of prompt and post items, from `copydesk.json` (and `--provider`).
    public let providers: ProviderRegistry

    /// Opens the desk at `root`: reads `copydesk.json`, creates any missing folder.
    ///
    /// `randomSeed` fixes the random sequence of variant choice (tests; `COPYDESK_RANDOM_SEED`);
    /// without it the sequence is seeded from the system. `provider` (`--provider`) is the
    /// provider tried first for every modality it serves. Throws a ``DeskError`` for a bad
    /// configuration, an unknown provider or a folder that cannot be created.
    public init(
        root: String, pollSeconds: Double? = nil, logger: Logger = Logger(), clock: any DeskClock = SystemClock(),
        randomSeed: UInt64? = nil, provider: String? = nil, identity: ProcessIdentity = .current
    ) throws(DeskError) {
        self.identity = identity
        layout = DeskLayout(root: root)
        guard FileSystem.isDirectory(layout.root) else {
            throw DeskError(
                .invalidRequest, "\(root) is not a folder: create a desk with `copydesk init \(root)`", field: "ROOT")
        }
        var configuration = try DeskConfiguration.load(root: layout.root)
        if let pollSeconds { configuration.pollSeconds = pollSeconds }
        try Self.checkRoutes(configuration.routes)
        self.configuration = configuration
        providers = try ProviderRegistry(settings: configuration.providers, preferred: provider)
        self.logger = logger
        self.clock = clock
        for folder in layout.requiredFolders {
            do throws(Errno) {
                try FileSystem.createDirectory(folder)
            } catch {
                throw DeskError.io("cannot create \(folder)", error)
            }
        }
        claims = ClaimStore(layout: layout, identity: identity, logger: logger)
        statusBook = StatusBook(layout: layout, clock: clock, metrics: metrics)
        bandit = BanditStore(layout: layout)
        let templates = TemplateStore(layout: layout)
        let chooser = VariantChooser(store: bandit, defaults: configuration.bandit, seed: randomSeed)
        credits = CreditLedger(layout: layout, budgets: configuration.credits, clock: clock)
        processor = BatchProcessor(
            layout: layout, configuration: configuration, templates: templates, chooser: chooser,
            statusBook: statusBook, claims: claims, clock: clock, logger: logger, metrics: metrics, shutdown: shutdown,
            providers: providers, credits: credits)
        generator = ContentGenerator(
            templates: templates, chooser: chooser, clock: clock, providers: providers,
            outputs: OutputIndex(layout: layout),
            maxOutputBytes: configuration.maxOutputBytes)
        startedAt = clock.now()
    }

    /// Decodes each route's body as a native request, so a bad `template_id` type, schedule or
    /// default fails when the desk opens, naming the route, rather than at the first export.
    static func checkRoutes(_ routes: RouteTable) throws(DeskError) {
        for route in routes.routes {
            var body = route.body
            body["items"] = .array([])
            do throws(DeskError) {
                _ = try NativeRequestDecoder.decode(.object(body))
            } catch {
                throw DeskError(
                    .invalidRequest, "copydesk.json: route \"\(route.pattern)\": \(error.message)",
                    field: "routes.\(route.pattern)" + (error.field.map { "." + $0 } ?? ""))
            }
        }
    }

    /// A scheduler for this desk, doing its blocking work on `executor`.
    func makeScheduler(executor: BlockingExecutor) -> Scheduler {
        Scheduler(
            layout: layout, configuration: configuration, generator: generator, bandit: bandit, statusBook: statusBook,
            clock: clock, logger: logger, metrics: metrics, executor: executor, identity: identity, credits: credits)
    }

    /// Processes `file` on `executor` and hands what needs the scheduler to it: a scheduled
    /// batch is added, a cancel file applied (then its result written).
    func process(
        _ file: ClaimedFile, executor: BlockingExecutor, scheduler: Scheduler
    ) async -> BatchProcessor.Disposition {
        let processor = self.processor
        let disposition = await executor.run { processor.process(file) }
        switch disposition {
        case .scheduled(let admission):
            await scheduler.add(admission)
        case .cancel(let order):
            let outcome = await scheduler.cancel(batchID: order.batchID, org: order.org)
            return await executor.run { processor.finishCancel(file, order, outcome: outcome) }
        default:
            break
        }
        return disposition
    }

    var intakeOptions: IntakeOptions {
        IntakeOptions(
            pollSeconds: configuration.pollSeconds, reconcileSeconds: configuration.reconcileSeconds,
            settleSeconds: configuration.settleSeconds, routes: configuration.routes,
            itemsFromWaitSeconds: configuration.itemsFromWaitSeconds)
    }

    /// Writes `state/metrics.prom` atomically.
    func writeMetrics() {
        do throws(Errno) {
            try AtomicFile.write(Array(metrics.prometheusText().utf8), to: layout.metrics)
        } catch {
            logger.error("metrics.write_failed", ["error": error.description])
        }
    }

    /// Flushes the folders whose renames were left for the next group flush (requests moved
    /// into `archive/`, see ``DirectorySync/syncLater(_:)``): called with the heartbeat and at
    /// the end, so they are durable within seconds even when no more files come. Blocking.
    func flushPendingFolders() {
        do throws(Errno) {
            try DirectorySync.shared.flushPending()
        } catch {
            metrics.recordIOError(error, at: clock.now())
            logger.error("desk.flush_failed", ["error": error.description])
        }
    }

    /// Writes `state/health.json` atomically: liveness, mode and counts.
    ///
    /// A running desk that met a filesystem error in the last minute, or holds files waiting to
    /// be tried again (`waitingRetry`), says `degraded`, with the last error (`ENOSPC`, …).
    func writeHealth(status: String, mode: String, inFlight: Int, waitingRetry: Int = 0) {
        var o = JSONObject()
        let lastError = metrics.lastIOErrorRecord
        let recent = lastError.map { clock.now().nanoseconds - $0.at.nanoseconds < 60_000_000_000 } ?? false
        o["status"] = .string(status == "running" && (waitingRetry > 0 || recent) ? "degraded" : status)
        o["pid"] = .int(Int(ProcessIdentity.current.pid))
        o["host"] = .string(ProcessIdentity.current.host)
        o["mode"] = .string(mode)
        o["started_at"] = .string(startedAt.iso8601)
        o["heartbeat_at"] = .string(clock.now().iso8601)
        o["in_flight"] = .int(inFlight)
        o["files_admitted"] = .int(Int(metrics.counter("copydesk_files_admitted_total")))
        o["files_seen"] = .int(Int(metrics.counter("copydesk_files_seen_total")))
        o["files_waiting_retry"] = .int(waitingRetry)
        if let lastError {
            o["last_io_error"] = .object(
                JSONObject([
                    ("at", .string(lastError.at.iso8601)), ("errno", .string(lastError.name)),
                    ("message", .string(lastError.message)),
                ]))
        }
        do throws(Errno) {
            try AtomicFile.write(JSONValue.object(o).serialized(pretty: true), to: layout.health)
        } catch {
            logger.error("health.write_failed", ["error": error.description])
        }
    }
}
