import DeskKit
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How the inbox is watched.
public struct IntakeOptions: Sendable {
    /// Poll every this many seconds instead of using inotify (`--poll`); `nil` lets the
    /// filesystem decide: inotify on local disks, polling every 2 s on NFS, CIFS/SMB and FUSE.
    public var pollSeconds: Double?
    /// Seconds between reconciliation scans in inotify mode.
    public var reconcileSeconds: Double = 30
    /// How long a file found by a scan whose writer cannot be asked about must sit unmodified.
    public var settleSeconds: Double = 1
    /// The routes: a CSV or JSONL file one matches is taken as a batch (after its done-marker
    /// when the route asks for one).
    public var routes = RouteTable()
    /// How long a CSV or JSONL file no route matches is left for a request's `items_from` to
    /// take, before it is claimed (and rejected `UNKNOWN_FORMAT`).
    public var itemsFromWaitSeconds: Double = 30

    /// Options with the given values.
    public init(
        pollSeconds: Double? = nil, reconcileSeconds: Double = 30, settleSeconds: Double = 1,
        routes: RouteTable = RouteTable(), itemsFromWaitSeconds: Double = 30
    ) {
        self.pollSeconds = pollSeconds
        self.reconcileSeconds = reconcileSeconds
        self.settleSeconds = settleSeconds
        self.routes = routes
        self.itemsFromWaitSeconds = itemsFromWaitSeconds
    }
}

/// Finds request files in the inbox and claims them, exactly once each.
///
/// In inotify mode, events announce finished files (`IN_CLOSE_WRITE`, `IN_MOVED_TO`); the folders
/// are scanned after their watch is armed, after an overflow or an ended watch, and every
/// ``IntakeOptions/reconcileSeconds``. In polling mode a file is taken once its size, mtime and
/// inode held still across two scans, timed on the local monotonic clock. Either way, a file some
/// process still has open for writing is left alone (``WriterCheck``).
///
/// All mutable state lives on one serial dispatch queue; the inotify reader has its own thread,
/// so nothing here blocks the cooperative thread pool.
public final class IntakeService: @unchecked Sendable {
    /// How the inbox is being watched.
    public enum Mode: Sendable, Equatable {
        case inotify
        case polling(seconds: Double, reason: String)
    }

    private struct Signature: Equatable {
        var size: Int64
        var mtime: Int64
        var inode: UInt64
    }

    private let layout: DeskLayout
    private let options: IntakeOptions
    private let claims: ClaimStore
    private let clock: any DeskClock
    private let logger: Logger
    private let metrics: Metrics
    private let queue = DispatchQueue(label: "copydesk.intake")
    private let (stopStream, stopContinuation) = AsyncStream<Void>.makeStream()
    /// The chosen mode.
    public let mode: Mode

    // Confined to `queue`.
    private var watcher: InotifyWatcher?
    private var deliver: (@Sendable (ClaimedFile) -> Void)?
    private var deferred: [String: InboxFile] = [:]
    /// Inbox sub-folders already reported as unusable org names.
    private var reportedFolders: Set<String> = []
    private var lastSignatures: [String: Signature] = [:]
    /// CSV and JSONL files no route matches, with the uptime (ns) they were first seen: left for
    /// a request's `items_from` until ``IntakeOptions/itemsFromWaitSeconds`` have passed.
    private var unclaimedData: [String: UInt64] = [:]
    /// Exports whose done-marker is older than they are, already reported (once each).
    private var lastReconcile: UInt64 = 0
    private var timer: DispatchSourceTimer?
    private var readerThread: Thread?

    /// An intake for `layout` that claims through `claims`.
    public init(
        layout: DeskLayout, options: IntakeOptions, claims: ClaimStore, clock: any DeskClock = SystemClock(),
        logger: Logger = .silent, metrics: Metrics = Metrics()
    ) {
        self.layout = layout
        self.options = options
        self.claims = claims
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        if let seconds = options.pollSeconds {
            mode = .polling(seconds: seconds, reason: "--poll")
        } else if case .remote(let kind) = FileSystemType.of(layout.inbox) {
            mode = .polling(seconds: 2, reason: kind)
        } else {
            mode = .inotify
        }
        metrics.describe("copydesk_files_seen_total", "Request files noticed in the inbox and claimed.")
        metrics.describe("copydesk_inotify_overflows_total", "inotify event queue overflows (IN_Q_OVERFLOW).")
        metrics.describe("copydesk_rescans_total", "Full scans of the inbox, by reason.")
        metrics.describe("copydesk_claim_latency_seconds", "From noticing a file to claiming it.")
    }

    /// Watches the inbox and hands every claimed file to `deliver` until ``stop()`` is called or
    /// the task is cancelled.
    ///
    /// `onWatching` is called once the watches are armed and the first scan is done: from then
    /// on no drop goes unseen. Returns after the watcher has stopped: no file is claimed after
    /// this returns.
    public func run(
        deliver: @escaping @Sendable (ClaimedFile) -> Void, onWatching: @escaping @Sendable () -> Void = {}
    ) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async {
                do {
                    try self.start(deliver: deliver)
                    onWatching()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        // Park until stopped or cancelled, then stop on the queue so no claim races the shutdown.
        await withTaskCancellationHandler {
            for await _ in stopStream {}
        } onCancel: {
            self.stop()
        }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async {
                self.stopOnQueue()
                done.resume()
            }
        }
    }

    /// Makes ``run(deliver:)`` stop claiming and return.
    public func stop() {
        stopContinuation.finish()
    }

    /// Claims every file in the inbox now whose writer is done, once, and returns them.
    ///
    /// For `copydesk process`: no watcher, no waiting; a file still being written is left for the
    /// next pass. CSV and JSONL files no route matches are left for the requests that name them;
    /// with `leftovers`, only those are claimed, when their mtime is older than
    /// ``IntakeOptions/itemsFromWaitSeconds`` (call it after the requests were processed).
    public func scanOnce(leftovers: Bool = false) -> [ClaimedFile] {
        queue.sync {
            let claimed = ClaimedBox()
            deliver = { file in claimed.files.append(file) }
            let now = clock.uptimeNanoseconds()
            for file in listInbox(arm: false) {
                let waiting =
                    InboxFile.isDataFile(file.name) && options.routes.route(org: file.org, name: file.name) == nil
                if leftovers {
                    guard waiting, let st = try? FileSystem.linkStatus(file.path) else { continue }
                    let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
                    if clock.now().seconds - mtime >= options.itemsFromWaitSeconds { claim(file, detectedAt: now) }
                    continue
                }
                if waiting { continue }
                examine(file, fromEvent: false, detectedAt: now, oneShot: true)
            }
            deliver = nil
            return claimed.files
        }
    }

    /// The files one ``scanOnce()`` claims; only touched on the service's queue.
    private final class ClaimedBox: @unchecked Sendable {
        var files: [ClaimedFile] = []
    }

    // MARK: - Queue-confined

    private func start(deliver: @escaping @Sendable (ClaimedFile) -> Void) throws {
        dispatchPrecondition(condition: .onQueue(queue))
        self.deliver = deliver
        try FileSystem.createDirectory(layout.inbox)
        let tick: Double
        switch mode {
        case .inotify:
            let watcher = try InotifyWatcher()
            self.watcher = watcher
            try watcher.watch(layout.inbox)
            let thread = Thread { [queue] in
                watcher.run { event in queue.async { self.handle(event) } }
            }
            thread.name = "copydesk-inotify"
            thread.start()
            readerThread = thread
            logger.info("intake.watching", ["mode": "inotify", "inbox": layout.inbox])
            tick = min(0.25, options.settleSeconds / 2)
        case .polling(let seconds, let reason):
            logger.info(
                "intake.watching",
                ["mode": "polling", "every": "\(seconds)s", "reason": reason, "inbox": layout.inbox])
            tick = seconds
        }
        lastReconcile = clock.uptimeNanoseconds()
        scanAll(reason: "start")
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + tick, repeating: tick, leeway: .milliseconds(20))
        timer.setEventHandler { self.onTick() }
        timer.resume()
        self.timer = timer
    }

    private func stopOnQueue() {
        timer?.cancel()
        timer = nil
        watcher?.stop()
        watcher = nil
        deliver = nil
    }

    private func onTick() {
        guard deliver != nil else { return }
        let now = clock.uptimeNanoseconds()
        switch mode {
        case .polling:
            scanAll(reason: "poll", countAsRescan: false)
        case .inotify:
            if let watcher, !watcher.watchedFolders.contains(layout.inbox), FileSystem.isDirectory(layout.inbox) {
                do {
                    try watcher.watch(layout.inbox)
                    logger.warning("intake.inbox_recreated", ["inbox": layout.inbox])
                    scanAll(reason: "inbox_recreated")
                } catch {
                    logger.error("intake.watch_failed", ["folder": layout.inbox, "error": "\(error)"])
                }
            }
            if Double(now - lastReconcile) / 1e9 >= options.reconcileSeconds {
                lastReconcile = now
                scanAll(reason: "reconcile")
            } else if !deferred.isEmpty {
                let pending = deferred
                deferred.removeAll()
                for file in pending.values { examine(file, fromEvent: false, detectedAt: now) }
            }
        }
    }

    private func handle(_ event: InotifyWatcher.Event) {
        guard deliver != nil else { return }
        let now = clock.uptimeNanoseconds()
        switch event {
        case .fileReady(let folder, let name):
            guard let file = inboxFile(folder: folder, name: name) else { return }
            examine(file, fromEvent: true, detectedAt: now)
        case .entryCreated(let folder, let name):
            // A link or special file is complete the moment it appears; a regular file is not
            // (its IN_CLOSE_WRITE follows).
            guard let file = inboxFile(folder: folder, name: name),
                let st = try? FileSystem.linkStatus(file.path), FileSystem.kind(of: st) != .file
            else { return }
            examine(file, fromEvent: true, detectedAt: now)
        case .folderCreated(let path):
            guard Path.parent(path) == layout.inbox else { return }
            let org = Path.name(path)
            guard InboxFile.isValidOrg(org) else {
                reportBadOrgFolder(org)
                return
            }
            armAndScan(org: org, folder: path, now: now)
        case .overflow:
            metrics.increment("copydesk_inotify_overflows_total")
            logger.warning("intake.overflow", ["action": "rescan"])
            scanAll(reason: "overflow")
        case .watchEnded(let path):
            logger.warning("intake.watch_ended", ["folder": path])
            scanAll(reason: "ignored")
        }
    }

    /// Tells the user, in `rejected/default/<name>.folder.error.json`, that an inbox sub-folder
    /// is not a usable org name and its files are left alone; once per folder. Dot-folders are
    /// ignored on purpose and not reported.
    private func reportBadOrgFolder(_ name: String) {
        guard !InboxFile.isIgnored(name), reportedFolders.insert(name).inserted else { return }
        let folder = layout.rejected(org: DeskLayout.defaultOrg)
        let path = Path.join(folder, name + ".folder.error.json")
        logger.warning("intake.bad_org_folder", ["folder": Path.join(layout.inbox, name), "report": path])
        guard !FileSystem.exists(path) else { return }
        let error = DeskError(
            .invalidRequest,
            "inbox/\(name)/ is not a usable org name (1 to 64 of A-Z a-z 0-9 . _ -); its files are left where they are: rename the folder",
            field: "org")
        var report = JSONObject([("folder", .string("inbox/" + name)), ("org", .string(name))])
        if case .object(let body) = error.json { for (key, value) in body.members { report[key] = value } }
        report["rejected_at"] = .string(clock.now().iso8601)
        do throws(Errno) {
            try FileSystem.ensureDirectory(folder)
            try AtomicFile.write(JSONValue.object(report).serialized(pretty: true), to: path)
        } catch {
            logger.error("intake.report_failed", ["file": path, "error": error.description])
        }
    }

    private func inboxFile(folder: String, name: String) -> InboxFile? {
        guard !InboxFile.isIgnored(name) else { return nil }
        if folder == layout.inbox {
            return InboxFile(org: DeskLayout.defaultOrg, name: name, path: Path.join(folder, name))
        }
        let org = Path.name(folder)
        return InboxFile(org: org, name: name, path: Path.join(folder, name))
    }

    private func armAndScan(org: String, folder: String, now: UInt64) {
        if let watcher {
            do {
                try watcher.watch(folder)
            } catch {
                logger.error("intake.watch_failed", ["folder": folder, "error": "\(error)"])
            }
        }
        // Scan after arming: a file that landed before the watch existed is found here, one that
        // lands after it raises an event.
        for entry in (try? FileSystem.entries(of: folder)) ?? [] where entry.kind != .directory {
            guard let file = inboxFile(folder: folder, name: entry.name) else { continue }
            examine(file, fromEvent: false, detectedAt: now)
        }
        _ = org
    }

    /// Lists every candidate file of the inbox and its org folders; arms watches on org folders
    /// first when `arm` is set.
    private func listInbox(arm: Bool) -> [InboxFile] {
        var files: [InboxFile] = []
        let entries: [DirectoryEntry]
        do {
            entries = try FileSystem.entries(of: layout.inbox)
        } catch {
            logger.error("intake.scan_failed", ["folder": layout.inbox, "error": "\(error)"])
            return []
        }
        for entry in entries {
            if entry.kind == .directory {
                guard InboxFile.isValidOrg(entry.name) else {
                    reportBadOrgFolder(entry.name)
                    continue
                }
                let folder = Path.join(layout.inbox, entry.name)
                if arm, let watcher, !watcher.watchedFolders.contains(folder) {
                    do {
                        try watcher.watch(folder)
                    } catch {
                        logger.error("intake.watch_failed", ["folder": folder, "error": "\(error)"])
                    }
                }
                for sub in (try? FileSystem.entries(of: folder)) ?? [] where sub.kind != .directory {
                    if let file = inboxFile(folder: folder, name: sub.name) { files.append(file) }
                }
            } else if let file = inboxFile(folder: layout.inbox, name: entry.name) {
                files.append(file)
            }
        }
        return files
    }

    private func scanAll(reason: String, countAsRescan: Bool = true) {
        if countAsRescan { metrics.increment("copydesk_rescans_total", ["reason": reason]) }
        let now = clock.uptimeNanoseconds()
        let files = listInbox(arm: watcher != nil)
        if case .polling = mode {
            var seen: [String: Signature] = [:]
            for file in files {
                guard let st = try? FileSystem.linkStatus(file.path) else { continue }
                let signature = Signature(
                    size: Int64(st.st_size),
                    mtime: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                    inode: UInt64(st.st_ino))
                if FileSystem.kind(of: st) != .file || lastSignatures[file.path] == signature {
                    examine(file, fromEvent: true, detectedAt: now)
                } else {
                    seen[file.path] = signature
                }
            }
            lastSignatures = seen
            return
        }
        deferred.removeAll()
        for file in files { examine(file, fromEvent: false, detectedAt: now) }
    }

    /// Claims `file` if its writer is done; otherwise keeps it for a later look.
    ///
    /// `fromEvent` means inotify (or two still polls) said the file is complete; a file found by a
    /// scan must also have sat unmodified for ``IntakeOptions/settleSeconds`` when the kernel
    /// cannot tell whether a writer has it open.
    private func examine(_ file: InboxFile, fromEvent: Bool, detectedAt: UInt64, oneShot: Bool = false) {
        var fromEvent = fromEvent
        let routes = options.routes
        if routes.isDoneMarker(org: file.org, name: file.name) {
            // X.csv.done says X.csv is complete: look at X.csv now; the marker itself is never a request.
            let name = String(file.name.dropLast(Route.doneSuffix.count))
            let data = InboxFile(org: file.org, name: name, path: Path.join(Path.parent(file.path), name))
            if FileSystem.exists(data.path) { examine(data, fromEvent: true, detectedAt: detectedAt, oneShot: oneShot) }
            return
        }
        guard let st = try? FileSystem.linkStatus(file.path) else {
            unclaimedData[file.path] = nil
            return
        }
        if FileSystem.kind(of: st) == .directory { return }
        if InboxFile.isDataFile(file.name) {
            if let route = routes.route(org: file.org, name: file.name) {
                // A done-marker route takes the file once its marker exists (its event brings us back),
                // and only a marker written after the file: one older than the file is a stale
                // marker of an earlier export (a process killed between claiming that export and
                // removing its marker), and taking on it could read a file still being written.
                if route.doneMarker {
                    guard let marker = try? FileSystem.linkStatus(file.path + Route.doneSuffix) else { return }
                    if Self.isOlder(marker, than: st) {
                        // Waits for a fresh marker as long as a request waits for its items_from
                        // file, then is claimed to be rejected with an error that says why.
                        let since = unclaimedData[file.path] ?? detectedAt
                        if unclaimedData.updateValue(since, forKey: file.path) == nil {
                            logger.warning(
                                "intake.stale_done_marker",
                                [
                                    "file": file.path,
                                    "reason":
                                        "the .done marker is older than the file: write (or touch) it after the file",
                                ])
                        }
                        if Double(clock.uptimeNanoseconds() &- since) / 1e9 >= options.itemsFromWaitSeconds {
                            claim(file, detectedAt: detectedAt, staleDoneMarker: true)
                        }
                        return
                    }
                    unclaimedData[file.path] = nil
                    fromEvent = true
                }
            } else {
                // Left for a request's items_from; claimed (to be rejected) once the wait is over.
                let since = unclaimedData[file.path] ?? detectedAt
                unclaimedData[file.path] = since
                if Double(clock.uptimeNanoseconds() &- since) / 1e9 < options.itemsFromWaitSeconds {
                    deferred[file.path] = file
                    return
                }
            }
        }
        if FileSystem.kind(of: st) == .file {
            switch WriterCheck.check(file.path) {
            case .missing: return
            case .open:
                // Its IN_CLOSE_WRITE will announce it; keep it in view in case it never comes.
                if !fromEvent || oneShot { deferred[file.path] = file }
                return
            case .closed:
                break
            case .unknown:
                if !fromEvent {
                    let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
                    if clock.now().seconds - mtime < options.settleSeconds {
                        deferred[file.path] = file
                        return
                    }
                }
            }
        }
        claim(file, detectedAt: detectedAt)
    }

    private func claim(_ file: InboxFile, detectedAt: UInt64, staleDoneMarker: Bool = false) {
        do {
            guard var claimed = try claims.claim(file, detectedAt: detectedAt) else { return }
            claimed.staleDoneMarker = staleDoneMarker
            deferred.removeValue(forKey: file.path)
            unclaimedData[file.path] = nil
            if options.routes.route(org: file.org, name: file.name)?.doneMarker == true {
                // The marker goes with its file; a marker left behind would let the next export
                // of the same name be taken before it is complete.
                try? FileSystem.remove(file.path + Route.doneSuffix)
            }
            metrics.increment("copydesk_files_seen_total")
            metrics.observe(
                "copydesk_claim_latency_seconds", Double(clock.uptimeNanoseconds() &- detectedAt) / 1e9)
            deliver?(claimed)
        } catch {
            logger.error("intake.claim_failed", ["file": file.path, "error": "\(error)"])
        }
    }

    /// Whether `a` was last modified before `b` (`st_mtim`).
    static func isOlder(_ a: stat, than b: stat) -> Bool {
        (a.st_mtim.tv_sec, a.st_mtim.tv_nsec) < (b.st_mtim.tv_sec, b.st_mtim.tv_nsec)
    }
}
