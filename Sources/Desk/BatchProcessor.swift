import DeskKit
import Dialects
import Generation
import Intake
import Scheduling
import Validation

#if canImport(Glibc)
    import Glibc
#endif

/// Takes one claimed request file from admission to outbox: read, decode, validate, deduplicate,
/// generate, write result and status, archive.
///
/// Every step can be repeated after a crash: the batch id comes from the file's name and bytes,
/// so a file found again in the claim folder maps to the same batch, its stored outputs are
/// reused, a result already written is not written again, and a finished batch is only archived.
/// Runs on a blocking thread (it reads, writes and `fsync`s).
public final class BatchProcessor: Sendable {
    /// What became of a file.
    public enum Disposition: Sendable, Equatable {
        /// Admitted and finished (possibly with item rejections or failures).
        case admitted(batchID: String, progress: Progress)
        /// Admitted with a schedule: durable and archived; the ``Scheduler`` takes it from here.
        case scheduled(ScheduledAdmission)
        /// A cancel file, read: the ``Scheduler`` applies it, then ``finishCancel(_:_:outcome:)``.
        case cancel(CancelOrder)
        /// Same bytes or idempotency key as an earlier batch: no new work.
        case duplicate(of: String)
        /// Rejected as a whole; the file is in `rejected/<org>/`.
        case rejected(DeskError)
        /// An events file: its good events counted, its bad lines reported in its result.
        case events(id: String, report: EventsReport)
        /// Stopped at a checkpoint for shutdown; the file is back in the inbox.
        case released(batchID: String)
        /// The file vanished before it could be read (another process took it).
        case vanished
        /// A filesystem error stopped the work; the file stays claimed and is retried.
        case failed(DeskError)
    }

    private let layout: DeskLayout
    private let configuration: DeskConfiguration
    private let generator: ContentGenerator
    private let bandit: BanditStore
    private let events: EventsProcessor
    private let validator: Validator
    private let index: DedupIndex
    private let statusBook: StatusBook
    private let rejections: RejectionWriter
    private let claims: ClaimStore
    private let clock: any DeskClock
    private let logger: Logger
    private let metrics: Metrics
    private let shutdown: ShutdownSignal
    private let providers: ProviderRegistry
    private let credits: CreditLedger
    private let aliases: PageAliasClaims

    /// A processor for the desk `layout`, writing provider items through `providers` and
    /// spending the orgs' credits in `credits` (a ledger of its own by default).
    public init(
        layout: DeskLayout, configuration: DeskConfiguration, templates: TemplateStore, chooser: VariantChooser,
        statusBook: StatusBook, claims: ClaimStore, clock: any DeskClock, logger: Logger, metrics: Metrics,
        shutdown: ShutdownSignal, providers: ProviderRegistry = .offline, credits: CreditLedger? = nil
    ) {
        self.credits = credits ?? CreditLedger(layout: layout, budgets: configuration.credits, clock: clock)
        self.aliases = PageAliasClaims(layout: layout, clock: clock)
        self.layout = layout
        self.configuration = configuration
        self.providers = providers
        self.generator = ContentGenerator(
            templates: templates, chooser: chooser, clock: clock, providers: providers,
            outputs: OutputIndex(layout: layout),
            maxOutputBytes: configuration.maxOutputBytes)
        self.bandit = chooser.store
        self.rejections = RejectionWriter(layout: layout, clock: clock)
        self.events = EventsProcessor(
            layout: layout, configuration: configuration, store: chooser.store, templates: templates,
            rejections: rejections, clock: clock)
        self.validator = Validator(maxItems: configuration.maxItems)
        self.index = DedupIndex(layout: layout)
        self.statusBook = statusBook
        self.claims = claims
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.shutdown = shutdown
        metrics.describe("copydesk_files_admitted_total", "Request files admitted as batches.")
        metrics.describe("copydesk_files_rejected_total", "Request files rejected as a whole, by code.")
        metrics.describe("copydesk_files_duplicate_total", "Request files that repeated an earlier batch.")
        metrics.describe("copydesk_items_total", "Items that reached a final state, by status.")
        metrics.describe("copydesk_drop_to_result_seconds", "From noticing a file to its result being durable.")
        metrics.describe("copydesk_events_total", "Events counted into the bandit statistics.")
        metrics.describe("copydesk_event_lines_rejected_total", "Lines of events files that could not be counted.")
    }

    /// Processes `file` to the end and says what became of it.
    public func process(_ file: ClaimedFile) -> Disposition {
        do throws(Errno) {
            let disposition = try admit(file)
            switch disposition {
            case .admitted(let batchID, let progress):
                metrics.increment("copydesk_files_admitted_total")
                metrics.observe(
                    "copydesk_drop_to_result_seconds", Double(clock.uptimeNanoseconds() &- file.detectedAt) / 1e9)
                logger.info(
                    "batch.done",
                    [
                        "org": file.org, "file": file.name, "batch": batchID, "items": "\(progress.total)",
                        "generated": "\(progress[.generated])", "published": "\(progress[.published])",
                        "rejected": "\(progress[.rejected])",
                        "failed": "\(progress[.failed])",
                    ])
            case .scheduled(let admission):
                metrics.increment("copydesk_files_admitted_total")
                metrics.observe(
                    "copydesk_drop_to_result_seconds", Double(clock.uptimeNanoseconds() &- file.detectedAt) / 1e9)
                logger.info(
                    "batch.scheduled",
                    [
                        "org": file.org, "file": file.name, "batch": admission.batchID,
                        "items": "\(admission.request.items.count)",
                        "strategy": admission.request.schedule.strategyName,
                        "first_due": admission.due.first?.iso8601 ?? "", "last_due": admission.due.last?.iso8601 ?? "",
                    ])
            case .cancel(let order):
                logger.info("cancel.read", ["org": file.org, "file": file.name, "batch": order.batchID])
            case .duplicate(let original):
                metrics.increment("copydesk_files_duplicate_total")
                logger.info("file.duplicate", ["org": file.org, "file": file.name, "of": original])
            case .rejected(let error):
                metrics.increment("copydesk_files_rejected_total", ["code": error.code.rawValue])
                logger.warning(
                    "file.rejected",
                    ["org": file.org, "file": file.name, "code": error.code.rawValue, "message": error.message])
            case .events(let id, let report):
                metrics.increment("copydesk_events_total", by: Double(report.counted))
                metrics.increment("copydesk_event_lines_rejected_total", by: Double(report.badLines.count))
                logger.info(
                    "events.done",
                    [
                        "org": file.org, "file": file.name, "id": id, "events": "\(report.events)",
                        "counted": "\(report.counted)", "already_counted": "\(report.alreadyCounted)",
                        "rejected": "\(report.badLines.count)",
                    ])
            case .released(let batchID):
                logger.info("batch.released", ["org": file.org, "file": file.name, "batch": batchID])
            case .vanished, .failed:
                break
            }
            return disposition
        } catch {
            // A folder may have been removed under us: check them again on the retry.
            FileSystem.forgetKnownFolders()
            let deskError = DeskError.io("cannot process \(file.name)", error)
            metrics.recordIOError(error, at: clock.now())
            logger.error("file.io_error", ["org": file.org, "file": file.name, "error": error.description])
            if (error.code == EACCES || error.code == EPERM) && error.operation.contains(file.path) {
                // The dropped file itself is closed to us: the producer's to mend, not worth
                // retrying. Its error file says so (the folders are ours, so that write works).
                let denied = DeskError(
                    .permissionDenied,
                    "copydesk cannot read \(file.name): permission denied; make it readable by the user copydesk runs as and drop it again"
                )
                if let disposition = try? reject(file, denied) {
                    metrics.increment("copydesk_files_rejected_total", ["code": denied.code.rawValue])
                    return disposition
                }
            }
            return .failed(deskError)
        }
    }

    private func reject(_ file: ClaimedFile, _ error: DeskError, itemsFrom: String? = nil) throws(Errno) -> Disposition
    {
        var details = JSONObject()
        var attachment: String?
        if let itemsFrom, case let path = file.attachmentPath(for: itemsFrom), FileSystem.exists(path) {
            // The request's rows go with it: linked into rejected/ before the request moves, so
            // a crash in between loses neither (ClaimStore settles a linked leftover).
            details["items_from"] = .string(try rejections.keep(path: path, name: itemsFrom, org: file.org))
            attachment = path
        }
        try rejections.reject(path: file.path, name: file.name, org: file.org, error: error, details: details)
        if let attachment { try FileSystem.remove(attachment) }
        return .rejected(error)
    }

    private func admit(_ file: ClaimedFile) throws(Errno) -> Disposition {
        guard let st = try FileSystem.linkStatus(file.path) else { return .vanished }
        switch FileSystem.kind(of: st) {
        case .file: break
        case .symlink:
            return try reject(
                file,
                DeskError(
                    .unsupportedFile,
                    "\(file.name) is a symbolic link; copydesk never follows links dropped in the inbox: drop the file itself"
                ))
        default:
            return try reject(
                file, DeskError(.unsupportedFile, "\(file.name) is not a regular file (a FIFO, socket or device)"))
        }
        if file.staleDoneMarker {
            let wait = configuration.itemsFromWaitSeconds
            return try reject(
                file,
                DeskError(
                    .invalidRequest,
                    "\(file.name).done is older than \(file.name), and no newer marker came within \(wait) s: the marker must be written (or touched) after the export is complete; drop the export again, then its .done marker"
                ))
        }
        if EventsProcessor.isEventsFile(file.name) {
            return try events.process(file, size: Int(st.st_size))
        }
        let route = configuration.routes.route(org: file.org, name: file.name)
        if route == nil && InboxFile.isDataFile(file.name) {
            let folder = file.org == DeskLayout.defaultOrg ? "" : file.org + "/"
            return try reject(
                file,
                DeskError(
                    .unknownFormat,
                    "\(file.name) matches no route in copydesk.json and no request named it in items_from within \(configuration.itemsFromWaitSeconds) s: add a route (\"routes\": {\"\(folder)*.\(Path.extension(file.name))\": {\"template_id\": …}}) or drop a native request with \"items_from\": \"\(file.name)\" beside it"
                ))
        }
        guard route != nil || Path.extension(file.name) == "json" else {
            return try reject(
                file,
                DeskError(
                    .unknownFormat,
                    "copydesk takes request files named *.json, events files named *.events.jsonl, and *.csv or *.jsonl files a route or a request's items_from names; '\(file.name)' has another extension"
                ))
        }
        if route == nil && Int(st.st_size) > configuration.maxFileBytes {
            return try reject(file, tooLarge(file, size: Int(st.st_size)))
        }
        let digest: String
        let batchID: String
        let dialect: any RequestDialect
        var request: BatchRequest
        let outcome: Read
        if let route { outcome = try readRouted(file, route) } else { outcome = try read(file) }
        // Consumed, so `request` is the only owner of its items: a `let` lives to the end of its
        // scope, and an item written below (an alias or a credit refused) would copy them all.
        switch consume outcome {
        case .tooLarge: return try reject(file, tooLarge(file, size: nil))
        case .rejected(let error, let itemsFrom): return try reject(file, error, itemsFrom: itemsFrom)
        case .released(let batchID): return .released(batchID: batchID)
        case .cancel(let order): return .cancel(order)
        case .request(let readDigest, let readID, let decoded, let decodedBy):
            (digest, batchID, request, dialect) = (readDigest, readID, decoded, decodedBy)
        }
        guard statusBook.begin(batchID) else {
            return try duplicate(file, of: batchID, itemsFrom: request.itemsFrom)
        }
        var running = true
        defer { if running { statusBook.abandon(batchID) } }
        // The index folder is flushed later, in a round shared with other workers (with the
        // result's folder, or before a duplicate or scheduled request is archived): until then a
        // crash brings the request back to its claim and it claims the same entries again.
        if let key = request.idempotencyKey,
            case .duplicate(let original) = try index.claim(
                .idempotencyKey, key, for: batchID, org: file.org, syncDirectory: false)
        {
            return try duplicate(file, of: original, itemsFrom: request.itemsFrom)
        }
        if case .duplicate(let original) = try index.claim(
            .content, digest, for: batchID, org: file.org, syncDirectory: false)
        {
            return try duplicate(file, of: original, itemsFrom: request.itemsFrom)
        }
        // Aliases first, so an item that cannot have its alias spends no credit; an item left
        // without credit gives its alias back.
        try aliases.claim(&request, batchID: batchID, org: file.org)
        try credits.admit(&request, batchID: batchID, org: file.org)
        aliases.release(
            request.items.filter { $0.rejection?.code == .insufficientCredits }, batchID: batchID, org: file.org)
        if request.schedule != .immediate {
            let disposition = try admitScheduled(file, batchID: batchID, request: request, dialect: dialect)
            // The scheduler owns the batch's status from here on.
            running = false
            return disposition
        }
        let disposition = try run(file, batchID: batchID, request: request, dialect: dialect)
        if case .admitted = disposition { running = false }
        return disposition
    }

    private enum Read {
        case tooLarge
        /// Rejected as a whole, with the `items_from` file already taken beside it, if any.
        case rejected(DeskError, itemsFrom: String?)
        /// Given back to the inbox while waiting for its `items_from` file (shutdown).
        case released(batchID: String)
        case cancel(CancelOrder)
        case request(digest: String, batchID: String, request: BatchRequest, dialect: any RequestDialect)
    }

    /// Reads a CSV or JSONL export a route matched: the route's body is the request, each row an
    /// item; the batch id is the file's stem and the hash of its bytes, as for any file. Streamed.
    private func readRouted(_ file: ClaimedFile, _ route: Route) throws(Errno) -> Read {
        var body = route.body
        body["items"] = .array([])
        let document = JSONValue.object(body)
        do throws(DeskError) {
            var request = try NativeRequestDecoder.decode(document)
            request.itemsFrom = nil
            let digest = try NativeRequestDecoder.appendRows(
                to: &request, document: document, path: file.path, displayName: file.name,
                limit: configuration.maxItems)
            try validator.validate(&request)
            providers.rejectUnserved(&request, org: file.org)
            let batchID = BatchID.make(name: file.name, hexDigest: digest)
            return .request(digest: digest, batchID: batchID, request: request, dialect: NativeDialect())
        } catch {
            return .rejected(error, itemsFrom: nil)
        }
    }

    /// Takes the request's `items_from` file from its inbox folder into the claim folder beside
    /// it, waiting up to `intake.items_from_wait_seconds` for it to appear (polling every 50 ms on
    /// this blocking thread). `nil` when it never came; `.some(nil)` when the desk is stopping.
    private func takeItemsFrom(_ name: String, for file: ClaimedFile) throws(Errno) -> String?? {
        let deadline = clock.uptimeNanoseconds() &+ UInt64(configuration.itemsFromWaitSeconds * 1e9)
        while true {
            if let path = try claims.claimAttachment(named: name, for: file) { return .some(path) }
            if clock.uptimeNanoseconds() >= deadline { return nil }
            if shutdown.isTriggered { return .some(nil) }
            usleep(50_000)
        }
    }

    /// Reads, parses and decodes the file. The bytes and the JSON tree live only in here, so a
    /// large request's tree is freed before its batch is written.
    private func read(_ file: ClaimedFile) throws(Errno) -> Read {
        guard let bytes = try FileSystem.readFile(file.path, limit: configuration.maxFileBytes) else {
            return .tooLarge
        }
        var digest = SHA256.hexDigest(bytes)
        var batchID = BatchID.make(name: file.name, hexDigest: digest)
        let document: JSONValue
        do throws(JSONParseError) {
            document = try JSONValue.parse(bytes, maxDepth: configuration.maxDepth)
        } catch {
            return .rejected(
                DeskError(
                    .invalidJSON, "\(file.name) is not valid JSON: \(error.message)", line: error.line,
                    column: error.column),
                itemsFrom: nil)
        }
        do throws(DeskError) {
            try document.checkStringLengths(maxBytes: configuration.maxStringBytes)
        } catch {
            return .rejected(error, itemsFrom: nil)
        }
        if let target = CancelOrder.batchID(in: document) {
            guard Path.isSafeID(target) else {
                return .rejected(
                    DeskError(.invalidRequest, "cancel must name a batch id, like welcome-7f3a9c1e", field: "cancel"),
                    itemsFrom: nil)
            }
            return .cancel(CancelOrder(batchID: target, org: file.org, id: batchID))
        }
        guard let dialect = RequestFormat.dialect(for: document) else {
            return .rejected(DeskError(.unknownFormat, RequestFormat.unknownFormatMessage), itemsFrom: nil)
        }
        let context = DecodeContext(
            batchID: batchID, org: file.org, fileName: file.name, library: layout.library(org: file.org))
        var request: BatchRequest
        do throws(DeskError) {
            request = try dialect.decode(document, context: context)
        } catch {
            return .rejected(error, itemsFrom: nil)
        }
        if let name = request.itemsFrom {
            let path: String
            switch try takeItemsFrom(name, for: file) {
            case .none:
                return .rejected(
                    DeskError(
                        .notFound,
                        "items_from names \(name), which did not appear beside \(file.name) in its inbox folder within \(configuration.itemsFromWaitSeconds) s (intake.items_from_wait_seconds): drop the file first, then the request",
                        field: "items_from"), itemsFrom: nil)
            case .some(.none):
                try claims.release(file)
                return .released(batchID: batchID)
            case .some(.some(let taken)):
                path = taken
            }
            do throws(DeskError) {
                // The rows are part of the batch: its id and its content key cover both files.
                let rowsDigest = try NativeRequestDecoder.appendRows(
                    to: &request, document: document, path: path, displayName: name, limit: configuration.maxItems)
                digest = SHA256.hexDigest(Array((digest + rowsDigest).utf8))
                batchID = BatchID.make(name: file.name, hexDigest: digest)
            } catch {
                return .rejected(error, itemsFrom: name)
            }
        }
        do throws(DeskError) {
            try validator.validate(&request)
        } catch {
            return .rejected(error, itemsFrom: request.itemsFrom)
        }
        providers.rejectUnserved(&request, org: file.org)
        return .request(digest: digest, batchID: batchID, request: request, dialect: dialect)
    }

    /// Writes each generated output of an immediate batch into `outbox/<org>/published/<batch>/`
    /// (the ``Publisher`` of scheduled items, due at `instant`), then `fsync`s the folder once.
    ///
    /// With `markPublished` (a request that said `"publish": true`) each item written becomes
    /// `published`, with the path of its file, and drafts are left `generated`; without it
    /// (lamina, bavlio) the items stay `generated`. An output the publisher refuses (content
    /// that is not what its file would be named for) fails its item. O(items).
    private func publishOutputs(
        _ items: [WorkItem], _ outcomes: inout [ItemOutcome], batchID: String, org: String, at instant: Timestamp,
        markPublished: Bool
    ) throws(Errno) {
        let publisher = Publisher(layout: layout)
        var any = false
        for item in items where outcomes[item.index].state == .generated && !(markPublished && item.draft) {
            if Publisher.refuse(&outcomes[item.index], item: item) { continue }
            if !any { try publisher.prepareFolder(org: org, batchID: batchID) }
            any = true
            let path = try publisher.publish(
                batchID: batchID, org: org, item: item, outcome: outcomes[item.index], due: instant)
            if markPublished, let path {
                outcomes[item.index].state = .published
                outcomes[item.index].published = path
            }
        }
        // Durable before the result says so.
        if any { try publisher.syncFolder(org: org, batchID: batchID) }
    }

    /// Writes the page of each generated page item (tented): published at its alias, and then
    /// `published` with its path and URL, when the batch publishes; else kept as a draft in
    /// `outbox/<org>/published/<batch_id>/<tent_id>/` (the item stays `generated`).
    private func publishPages(
        _ request: BatchRequest, _ outcomes: inout [ItemOutcome], batchID: String, org: String
    ) throws(Errno) {
        let pages = PagePublisher(layout: layout)
        for item in request.items where item.page != nil && outcomes[item.index].state == .generated {
            let path: String
            do throws(Errno) {
                path = try pages.publish(
                    batchID: batchID, org: org, item: item, outcome: outcomes[item.index], published: request.publish)
            } catch  where error.code == ENOENT || error.code == ELOOP || error.code == EACCES || error.code == EPERM {
                // An asset gone, turned into a link or closed to us since admission: this page
                // fails on its own, with the reason, instead of the batch retrying forever.
                outcomes[item.index].state = .failed
                outcomes[item.index].error = DeskError.io(
                    "cannot publish the page of item \(item.index): an asset of library/\(org)/assets/ cannot be read",
                    error)
                continue
            }
            guard request.publish else { continue }
            outcomes[item.index].state = .published
            outcomes[item.index].published = path
            outcomes[item.index].url = PagePublisher.url(
                baseURL: configuration.baseURL, alias: PagePublisher.alias(of: item))
        }
    }

    private func tooLarge(_ file: ClaimedFile, size: Int?) -> DeskError {
        let limit = configuration.maxFileBytes
        let sizeText = size.map { "\($0) bytes" } ?? "larger than the limit"
        return DeskError(
            .tooLarge,
            "\(file.name) is \(sizeText); the limit is \(limit) bytes (limits.max_file_bytes in copydesk.json): split it into several files"
        )
    }

    private func duplicate(_ file: ClaimedFile, of original: String, itemsFrom: String?) throws(Errno) -> Disposition {
        if !(try statusBook.recordDuplicate(of: original, org: file.org, file: file.name)) {
            logger.warning("file.duplicate_unrecorded", ["org": file.org, "file": file.name, "of": original])
        }
        // The index entry that made it a duplicate may be this process's own, not flushed yet;
        // the folder is missing only when the original is still before its first claim.
        let index = layout.index(org: file.org)
        try archive(
            file, stem: Path.stem(file.name) + ".duplicate-of-" + original, itemsFrom: itemsFrom,
            after: FileSystem.exists(index) ? [index] : [])
        return .duplicate(of: original)
    }

    /// Moves the claimed file into `archive/<org>/` as `<stem>.<its extension>` (a request stays
    /// `.json`, a routed export keeps `.csv`/`.jsonl`). A request's `items_from` file goes beside
    /// it as `<stem>.<its extension>`: linked there first, then the request moves, then the
    /// claim's name is removed, so at every instant the rows are in the claim or the archive.
    ///
    /// The folders in `after` (those the caller wrote into without flushing them) are flushed
    /// first, in one round shared with every other worker finishing a file
    /// (``DirectorySync``): the request leaves its claim only once its batch is durable. With
    /// `later`, the archive folder itself is flushed by the next round instead of now: losing
    /// that rename in a crash brings the request back to its claim, where recovery finds its
    /// final status and only archives it again. Without an `items_from` file only: its rows
    /// must be durable in the archive before they leave the claim.
    private func archive(
        _ file: ClaimedFile, stem: String, itemsFrom: String? = nil, after folders: [String] = [], later: Bool = false
    ) throws(Errno) {
        if !folders.isEmpty { try DirectorySync.shared.sync(folders) }
        let folder = layout.archive(org: file.org)
        try FileSystem.ensureDirectory(folder)
        var attachment: String?
        if let itemsFrom, case let path = file.attachmentPath(for: itemsFrom), FileSystem.exists(path) {
            try FileSystem.link(path, to: Path.join(folder, stem + "." + Path.extension(itemsFrom)))
            attachment = path
        }
        let ext = InboxFile.isDataFile(file.name) ? Path.extension(file.name) : "json"
        try FileSystem.rename(file.path, to: Path.join(folder, stem + "." + ext))
        if later && attachment == nil {
            DirectorySync.shared.syncLater(folder)
        } else {
            try FileSystem.syncDirectory(folder)
        }
        if let attachment { try FileSystem.remove(attachment) }
    }

    /// Makes a scheduled batch durable: its marker, its first status (every item pending, with
    /// its due instant), the dialect's admission result if it has one, then archives the input.
    ///
    /// Repeated after a crash, it finds the marker and keeps its admission instant, so the due
    /// instants do not move. O(n) in items; the status is written once.
    private func admitScheduled(
        _ file: ClaimedFile, batchID: String, request: BatchRequest, dialect: any RequestDialect
    ) throws(Errno) -> Disposition {
        let now = clock.now()
        let admittedAt = ScheduleMarker.load(layout: layout, org: file.org, batchID: batchID)?.admittedAt ?? now
        let due = request.schedule.dueTimes(count: request.items.count, now: admittedAt)
        let admission = ScheduledAdmission(
            batchID: batchID, org: file.org, sourceFile: file.name, request: request, due: due, admittedAt: admittedAt,
            warnings: request.schedule.warnings(now: admittedAt),
            promptContext: PromptContext.resolve(request, org: file.org, layout: layout))
        try admission.marker.write(layout: layout)
        if let route = configuration.routes.route(org: file.org, name: file.name) {
            // The scheduler reads a batch back from archive/<org>/<batch_id>.json: for a routed
            // export that is the route's body naming the export, archived beside it.
            var body = route.body
            body["items_from"] = .string(file.name)
            try FileSystem.ensureDirectory(layout.archive(org: file.org))
            try AtomicFile.write(
                JSONValue.object(body).serialized(pretty: true),
                to: Path.join(layout.archive(org: file.org), batchID + ".json"), syncDirectory: false)
        }
        var status = BatchStatus(
            batchID: batchID, org: file.org, format: request.format, sourceFile: file.name, state: .inProgress,
            createdAt: admittedAt, idempotencyKey: request.idempotencyKey, items: [])
        let table = ScheduledItems(items: request.items, due: due)
        status.nextPublishTime = table.states.firstIndex(of: .pending).map { due[$0] }
        status.table = table
        status.schedule = request.schedule
        status.leadSeconds = configuration.leadSeconds
        status.warnings = admission.warnings
        try statusBook.write(status, final: false, dialect: dialect)
        let resultPath = layout.result(org: file.org, batchID: batchID)
        try AtomicFile.createIfAbsent(at: resultPath) {
            dialect.encodeAdmission(
                BatchResult(
                    batchID: batchID, org: file.org, status: .inProgress, request: request, outcomes: [],
                    completedAt: admittedAt, dueTimes: due, warnings: admission.warnings))
        }
        try archive(file, stem: batchID, itemsFrom: request.itemsFrom, after: [layout.index(org: file.org)])
        return .scheduled(admission)
    }

    /// Writes a cancel file's result (in the cancelled batch's format) and archives it, or
    /// rejects it when the batch could not be found.
    public func finishCancel(
        _ file: ClaimedFile, _ order: CancelOrder, outcome: Result<(BatchCancellation, String), DeskError>
    ) -> Disposition {
        do throws(Errno) {
            switch outcome {
            case .failure(let error):
                return try reject(file, error)
            case .success(let (cancellation, format)):
                let path = layout.result(org: file.org, batchID: order.id)
                try AtomicFile.createIfAbsent(at: path) {
                    (RequestFormat.dialect(named: format) ?? NativeDialect()).encodeCancellation(cancellation)
                }
                try archive(file, stem: order.id)
                logger.info(
                    "batch.cancelled",
                    [
                        "org": file.org, "batch": order.batchID, "cancelled": "\(cancellation.cancelled)",
                        "published": "\(cancellation.published)",
                    ])
                return .cancel(order)
            }
        } catch {
            FileSystem.forgetKnownFolders()
            metrics.recordIOError(error, at: clock.now())
            logger.error("file.io_error", ["org": file.org, "file": file.name, "error": error.description])
            return .failed(DeskError.io("cannot finish the cancellation \(file.name)", error))
        }
    }

    /// Generates the batch's admitted items, in checkpointed chunks for a large batch, then
    /// writes the result and the final status and archives the request.
    private func run(
        _ file: ClaimedFile, batchID: String, request: BatchRequest, dialect: any RequestDialect
    ) throws(Errno) -> Disposition {
        let now = clock.now()
        var createdAt = now
        if let existing = statusBook.read(org: file.org, batchID: batchID) {
            if let raw = existing["status"]?.stringValue, let state = BatchState(rawValue: raw), state.isFinal {
                // Finished before a crash took the process; only the clean-up was left. What the
                // crashed run wrote may not have been flushed yet (it is read from the page
                // cache here): flushed before the request leaves its claim.
                try DirectorySync.shared.sync([
                    layout.index(org: file.org), layout.outbox(org: file.org), layout.state(org: file.org),
                ])
                ItemJournal(path: layout.itemJournal(org: file.org, batchID: batchID)).remove()
                try archive(file, stem: batchID, itemsFrom: request.itemsFrom)
                statusBook.abandon(batchID)
                let states = (existing["items"]?.arrayValue ?? []).compactMap {
                    $0["status"]?.stringValue.flatMap(ItemState.init(rawValue:))
                }
                return .admitted(batchID: batchID, progress: Progress(states))
            }
            if let created = existing["created_at"]?.stringValue, let ts = Timestamp(iso8601: created) {
                createdAt = ts
            }
        }
        let journal = ItemJournal(path: layout.itemJournal(org: file.org, batchID: batchID))
        let stored = journal.load()
        var outcomes = request.items.map { item -> ItemOutcome in
            if let error = item.rejection {
                return ItemOutcome(
                    index: item.index, id: item.id, state: .rejected, templateID: item.templateID,
                    trackingID: item.trackingID, error: error)
            }
            return stored[item.index]
                ?? ItemOutcome(
                    index: item.index, id: item.id, state: .pending, templateID: item.templateID,
                    trackingID: item.trackingID)
        }
        var status = BatchStatus(
            batchID: batchID, org: file.org, format: request.format, sourceFile: file.name, state: .inProgress,
            createdAt: createdAt, idempotencyKey: request.idempotencyKey, items: outcomes)

        // Positions, not copies: a copy of 100,000 items would cost tens of MiB.
        let todo = request.items.indices.filter {
            request.items[$0].rejection == nil && stored[request.items[$0].index] == nil
        }
        let chunk = configuration.checkpointItems
        let chunked = todo.count > chunk
        // A batch that asked to be published at once (`"publish": true`, README "Scheduling and
        // publishing") keeps its outputs and its creation instant durable before any file is
        // written: after a crash the same bytes are published again, never other ones.
        let publishNow = request.publishImmediately && dialect.publishes
        let keepsOutputs = chunked || publishNow
        var lastStatusWrite: UInt64 = 0
        if keepsOutputs {
            // A long batch shows up in `copydesk status` at once (and `created_at` is kept).
            try statusBook.write(status, final: false)
            lastStatusWrite = clock.uptimeNanoseconds()
        }
        // The status must not keep a second reference to the outcomes between writes: the next
        // update of one outcome would copy them all (a second array of every item).
        status.items = []
        // Brand profiles and campaign prompts are read once for the whole batch.
        let promptContext = PromptContext.resolve(request, org: file.org, layout: layout)
        var journaled = false
        var start = 0
        while start < todo.count {
            if chunked && shutdown.isTriggered {
                status.items = outcomes
                try statusBook.write(status, final: false)
                statusBook.abandon(batchID)
                try claims.release(file)
                return .released(batchID: batchID)
            }
            let end = min(start + chunk, todo.count)
            var made: [ItemOutcome] = []
            made.reserveCapacity(end - start)
            var storeError: Errno?
            let items = todo[start..<end].map { request.items[$0] }
            generator.generate(items, org: file.org, context: promptContext) { arrived in
                for outcome in arrived { outcomes[outcome.index] = outcome }
                if arrived.contains(where: { $0.generation != nil }) {
                    // A provider's output is durable before anything else happens to it, so a
                    // crash never pays for the same call twice.
                    guard storeError == nil else { return }
                    do throws(Errno) {
                        try bandit.sync()
                        try journal.append(arrived)
                        journaled = true
                    } catch {
                        storeError = error
                    }
                } else {
                    made.append(contentsOf: arrived)
                }
            }
            if let storeError { throw storeError }
            start = end
            if keepsOutputs {
                // Deliveries (tracking id → variant) are durable before the outputs that carry them.
                try bandit.sync()
                if !made.isEmpty {
                    try journal.append(made)
                    journaled = true
                }
                let since = Double(clock.uptimeNanoseconds() &- lastStatusWrite) / 1e9
                if start < todo.count && since >= configuration.statusIntervalSeconds {
                    // Copied into the status only when it is written: sharing the array between
                    // writes would make every later item's update copy it (O(n) per chunk).
                    status.items = outcomes
                    try statusBook.write(status, final: false)
                    status.items = []
                    lastStatusWrite = clock.uptimeNanoseconds()
                }
            }
        }

        if request.items.contains(where: { $0.page != nil }) {
            try publishPages(request, &outcomes, batchID: batchID, org: file.org)
        }
        let completedAt = clock.now()
        if publishNow {
            // At the batch's creation instant (its due instant, as `immediate` means), which the
            // status keeps: a run after a crash writes the same files.
            try publishOutputs(
                request.items, &outcomes, batchID: batchID, org: file.org, at: createdAt, markPublished: true)
        } else if dialect.publishesImmediateBatches {
            // Formats whose answer carries no content (lamina, bavlio): the outputs are kept
            // where a client can read them, in published/<batch>/ (items stay `generated`).
            try publishOutputs(
                request.items, &outcomes, batchID: batchID, org: file.org, at: completedAt, markPublished: false)
        }
        // An item that failed produced nothing: its credit comes back (and its alias is free).
        // Positions first: a batch that failed whole would otherwise copy every item.
        let failed = request.items.indices.filter { outcomes[request.items[$0].index].state == .failed }
        try credits.refund(failed.map { request.items[$0].index }, batchID: batchID, org: file.org)
        aliases.release(failed.lazy.map { request.items[$0] }, batchID: batchID, org: file.org)

        let progress = Progress(outcomes.map(\.state))
        let finalState: BatchState = progress[.generated] + progress[.published] > 0 ? .completed : .failed
        let resultPath = layout.result(org: file.org, batchID: batchID)
        try bandit.sync()
        try AtomicFile.createIfAbsent(at: resultPath, syncDirectory: false) {
            dialect.encodeResult(
                BatchResult(
                    batchID: batchID, org: file.org, status: finalState, request: request, outcomes: outcomes,
                    completedAt: completedAt,
                    promptVersionHash: outcomes.lazy.compactMap { $0.generation?["prompt_version_hash"]?.stringValue }
                        .first,
                    createdAt: createdAt))
        }
        // The result is durable before the final status: a restart that finds a final status
        // only archives, so the status must never outlive a result lost in a power cut. Each
        // flush is a round shared with every worker finishing a file (``DirectorySync``).
        try DirectorySync.shared.sync([layout.index(org: file.org), layout.outbox(org: file.org)])
        status.items = outcomes
        status.state = finalState
        status.completedAt = completedAt
        try statusBook.write(status, final: true, dialect: dialect, syncDirectory: false)
        try DirectorySync.shared.sync([layout.state(org: file.org)])
        // The journal goes before the request leaves the claim: once archived, nothing would
        // come back for it (a crash in between finds the final status and only archives).
        if chunked || journaled || !stored.isEmpty { journal.remove() }
        try archive(file, stem: batchID, itemsFrom: request.itemsFrom, later: true)
        for state in ItemState.allCases where progress[state] > 0 {
            metrics.increment("copydesk_items_total", by: Double(progress[state]), ["status": state.rawValue])
        }
        return .admitted(batchID: batchID, progress: progress)
    }
}
