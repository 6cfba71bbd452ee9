import DeskKit
import Dispatch
import Intake
import Synchronization

extension Desk {
    /// Runs the daemon (`copydesk watch`) until ``stop()``: intake, processing and housekeeping
    /// as services of one task group.
    ///
    /// Stopping stops the intake first (no new claims), lets files in progress finish (a large
    /// batch stops at its next checkpoint and is released to the inbox), puts claimed files not
    /// yet started back into the inbox, writes the final metrics and health, and returns.
    public func run() async throws(DeskError) {
        do throws(Errno) {
            try claims.open()
        } catch {
            throw DeskError.io("cannot create the claim folder", error)
        }
        let intake = IntakeService(
            layout: layout, options: intakeOptions, claims: claims, clock: clock, logger: logger, metrics: metrics)
        let modeName: String
        switch intake.mode {
        case .inotify: modeName = "inotify"
        case .polling: modeName = "polling"
        }
        let (stream, continuation) = AsyncStream<ClaimedFile>.makeStream()
        do throws(Errno) {
            for file in try claims.recover(detectedAt: clock.uptimeNanoseconds()) {
                logger.info("claims.resume", ["org": file.org, "file": file.name])
                continuation.yield(file)
            }
        } catch {
            logger.error("claims.recover_failed", ["error": error.description])
        }
        let executor = BlockingExecutor(threads: configuration.workers)
        defer { executor.shutdown() }
        let scheduler = makeScheduler(executor: executor)
        runningScheduler.withLock { $0 = scheduler }
        // Scheduled batches are loaded before any file is taken, so a re-admission finds them.
        await scheduler.recover()
        let tracker = WorkTracker()
        // Dead workers' claims are looked for every third of the lease time (ticks of 200 ms).
        let recoverTicks = max(1, Int(configuration.leaseSeconds / 3 / 0.2))
        stopIntake.withLock { $0 = intake }
        if shutdown.isTriggered { intake.stop() }
        // "running" is written once the inbox is watched (below): a producer or a test that waits
        // for it knows no drop will go unseen.
        writeHealth(status: "starting", mode: modeName, inFlight: 0)
        logger.info("desk.started", ["root": layout.root, "mode": modeName, "workers": "\(configuration.workers)"])

        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Intake: claims files until stopped, then closes the stream.
                group.addTask {
                    defer { continuation.finish() }
                    try await intake.run {
                        continuation.yield($0)
                    } onWatching: {
                        self.writeHealth(status: "running", mode: modeName, inFlight: 0)
                    }
                }
                // Processing: at most `workers` files at once, each on a blocking thread.
                group.addTask {
                    await self.processAll(stream, executor: executor, scheduler: scheduler, tracker: tracker)
                }
                // Scheduling: generates items ahead of their due instants, publishes them when due.
                group.addTask {
                    await scheduler.run(until: self.shutdown)
                }
                // Housekeeping: metrics, health and retries, every second until the stop.
                group.addTask {
                    var ticks = 0
                    var lastVersion = -1
                    while !self.shutdown.isTriggered {
                        try? await Task.sleep(for: .milliseconds(200))
                        ticks += 1
                        let now = self.clock.uptimeNanoseconds()
                        let due = tracker.retries.withLock { list -> [ClaimedFile] in
                            let ready = list.filter { $0.due <= now }.map(\.file)
                            list.removeAll { $0.due <= now }
                            return ready
                        }
                        for file in due { continuation.yield(file) }
                        if ticks % 5 == 0 && self.metrics.version != lastVersion {
                            lastVersion = self.metrics.version
                            await executor.run { self.writeMetrics() }
                        }
                        if ticks % recoverTicks == 0 {
                            // Claims of workers that died on this desk are taken over.
                            let orphans = await executor.run { () -> [ClaimedFile] in
                                (try? self.claims.adoptAbandoned(detectedAt: self.clock.uptimeNanoseconds())) ?? []
                            }
                            for file in orphans {
                                self.logger.info("claims.adopted", ["org": file.org, "file": file.name])
                                continuation.yield(file)
                            }
                        }
                        if ticks % 25 == 0 {
                            let n = tracker.inFlight.load(ordering: .relaxed)
                            let waiting = tracker.retries.withLock { $0.count }
                            self.metrics.set("copydesk_files_waiting_retry", Double(waiting))
                            await executor.run {
                                self.flushPendingFolders()
                                self.writeHealth(status: "running", mode: modeName, inFlight: n, waitingRetry: waiting)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            logger.error("desk.failed", ["error": "\(error)"])
            throw DeskError(.ioError, "the desk stopped: \(error)")
        }
        for (_, file) in tracker.retries.withLock({ $0 }) { try? claims.release(file) }
        flushPendingFolders()
        writeMetrics()
        writeHealth(status: "stopped", mode: modeName, inFlight: 0)
        claims.close()
        logger.info("desk.stopped", ["root": layout.root])
    }

    /// Asks a running ``run()`` to stop; safe from any thread and from a signal handler's queue.
    public func stop() {
        shutdown.trigger()
        stopIntake.withLock { $0 }?.stop()
        runningScheduler.withLock { $0 }?.wake()
    }

    private func processAll(
        _ stream: AsyncStream<ClaimedFile>, executor: BlockingExecutor, scheduler: Scheduler, tracker: WorkTracker
    ) async {
        let limit = configuration.workers
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await file in stream {
                if shutdown.isTriggered {
                    // Claimed but not started: hand it back for the next process to take.
                    try? claims.release(file)
                    continue
                }
                if running >= limit {
                    await group.next()
                    running -= 1
                }
                running += 1
                tracker.inFlight.add(1, ordering: .relaxed)
                group.addTask {
                    let disposition = await self.process(file, executor: executor, scheduler: scheduler)
                    tracker.inFlight.subtract(1, ordering: .relaxed)
                    if case .failed = disposition {
                        // Disk full, permission denied, …: the file stays claimed and is tried again.
                        tracker.retries.withLock { $0.append((self.clock.uptimeNanoseconds() + 5_000_000_000, file)) }
                    }
                }
            }
            await group.waitForAll()
        }
    }
}

/// What the daemon's services share about work under way: the files being processed, and the
/// files waiting to be tried again after a failure of the system (disk full, …).
final class WorkTracker: Sendable {
    /// The number of files being processed now.
    let inFlight = Atomic<Int>(0)
    /// Files to try again, each with the uptime (ns) when it is due.
    let retries = Mutex<[(due: UInt64, file: ClaimedFile)]>([])
}
