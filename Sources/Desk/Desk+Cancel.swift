import DeskKit
import Intake

#if canImport(Glibc)
    import Glibc
#endif

/// What `copydesk cancel` answers: the cancellation's result document and a line for people.
public struct CancelAnswer: Sendable {
    /// The result written to `outbox/<org>/<cancel id>.result.json`.
    public var json: JSONValue
    /// `cancelled 15 items of posts-1f0c2a9b; 5 already published stay published`.
    public var summary: String
}

extension Desk {
    /// `copydesk cancel ROOT BATCH`: drops `{"cancel": "BATCH"}` into the inbox of the batch's
    /// org, as any producer would, and waits for its result.
    ///
    /// When a daemon is running on the desk (its `health.json` says `running` and its process is
    /// alive, or, on another host, its heartbeat is fresh) the daemon applies it; otherwise this
    /// process opens the desk (`open`) and applies that one file itself, nothing else. Throws
    /// `NOT_FOUND` for a batch that has no status.
    public static func cancel(
        root: String, batchID: String, open: () -> Desk, timeoutSeconds: Double = 60
    ) async throws(DeskError) -> CancelAnswer {
        let layout = DeskLayout(root: root)
        let orgs = (try? FileSystem.entries(of: layout.state)) ?? []
        guard
            let org = orgs.first(where: {
                $0.kind == .directory && $0.name != "claims"
                    && FileSystem.exists(layout.status(org: $0.name, batchID: batchID))
            })?.name
        else {
            throw DeskError(.notFound, "no batch '\(batchID)' in \(layout.state)", field: "BATCH")
        }
        let clock = SystemClock()
        let bytes = Array(#"{"cancel": "\#(batchID)"}"#.utf8) + [0x0A]
        let name = "cancel-\(batchID)-\(clock.now().nanoseconds / 1_000_000).json"
        let id = BatchID.make(name: name, hexDigest: SHA256.hexDigest(bytes))
        let inbox = layout.inbox(org: org)
        do throws(Errno) {
            try FileSystem.createDirectory(inbox)
            let temp = Path.join(inbox, "." + name + ".part")
            try AtomicFile.write(bytes, to: temp, syncDirectory: false)
            try FileSystem.rename(temp, to: Path.join(inbox, name))
            try FileSystem.syncDirectory(inbox)
        } catch {
            throw DeskError.io("cannot drop the cancel file into \(inbox)", error)
        }
        let resultPath = layout.result(org: org, batchID: id)
        let errorPath = Path.join(layout.rejected(org: org), name + ".error.json")
        if !daemonIsRunning(layout: layout, clock: clock) {
            let desk = open()
            try await desk.processOne(InboxFile(org: org, name: name, path: Path.join(inbox, name)))
        }
        let deadline = clock.uptimeNanoseconds() + UInt64(timeoutSeconds * 1e9)
        while clock.uptimeNanoseconds() < deadline {
            if let bytes = try? FileSystem.readFile(resultPath), let json = try? JSONValue.parse(bytes) {
                return CancelAnswer(json: json, summary: summary(json, batchID: batchID))
            }
            if let bytes = try? FileSystem.readFile(errorPath), let json = try? JSONValue.parse(bytes),
                let error = DeskError(json: json)
            {
                throw error
            }
            usleep(20_000)
        }
        throw DeskError(
            .ioError,
            "the cancel file \(name) was dropped into \(inbox) but no result appeared within \(Int(timeoutSeconds)) s; is the daemon stuck?"
        )
    }

    static func summary(_ json: JSONValue, batchID: String) -> String {
        let cancelled = json["cancelled"]?.intValue ?? json["cancelledPosts"]?.intValue ?? 0
        let published = json["published"]?.intValue ?? json["publishedPosts"]?.intValue ?? 0
        let finished =
            json["status"]?.stringValue == "already_finished"
            || json["message"]?.stringValue?.hasPrefix(
                "Batch had already finished") == true
        if finished { return "\(batchID) had already finished: nothing cancelled (\(published) published)" }
        return "cancelled \(cancelled) items of \(batchID); \(published) already published stay published"
    }

    /// Whether a daemon runs on the desk: `health.json` says `running` and its process is alive
    /// (same host), or its heartbeat is under 30 s old (another host).
    static func daemonIsRunning(layout: DeskLayout, clock: any DeskClock) -> Bool {
        guard let bytes = try? FileSystem.readFile(layout.health), let json = try? JSONValue.parse(bytes),
            json["status"]?.stringValue == "running", let pid = json["pid"]?.intValue
        else { return false }
        if json["host"]?.stringValue == ProcessIdentity.current.host {
            return kill(pid_t(pid), 0) == 0 || errno == EPERM
        }
        guard let beat = json["heartbeat_at"]?.stringValue.flatMap(Timestamp.init(iso8601:)) else { return false }
        return clock.now().nanoseconds - beat.nanoseconds < 30_000_000_000
    }

    /// Claims and processes the one inbox file `file` (and nothing else), with a scheduler that
    /// loads only the batches the file needs.
    func processOne(_ file: InboxFile) async throws(DeskError) {
        do throws(Errno) {
            try claims.open()
        } catch {
            throw DeskError.io("cannot create the claim folder", error)
        }
        defer { claims.close() }
        let executor = BlockingExecutor(threads: 1)
        defer { executor.shutdown() }
        let scheduler = makeScheduler(executor: executor)
        let claimed: ClaimedFile?
        do throws(Errno) {
            claimed = try claims.claim(file, detectedAt: clock.uptimeNanoseconds())
        } catch {
            throw DeskError.io("cannot claim \(file.name)", error)
        }
        guard let claimed else { return }  // a daemon that just started took it
        _ = await process(claimed, executor: executor, scheduler: scheduler)
        await scheduler.runDue(onlyStatuses: true)
        await scheduler.releaseLeases()
    }
}
