import DeskKit
import Intake

/// What one pass over the inbox did.
public struct PassSummary: Sendable, Equatable {
    /// Files admitted as batches.
    public var admitted = 0
    /// Files rejected as a whole.
    public var rejected = 0
    /// Files that repeated an earlier batch.
    public var duplicates = 0
    /// Files that hit a filesystem error and stay claimed.
    public var failed = 0
    /// Items rejected or failed inside admitted batches.
    public var itemProblems = 0
    /// Items generated.
    public var itemsGenerated = 0
    /// Batches admitted with a schedule (their items are due later).
    public var scheduled = 0
    /// Cancel files applied.
    public var cancels = 0
    /// Scheduled items generated or published in this pass (those due now).
    public var scheduledItemsHandled = 0
    /// Scheduled batches still waiting for items due later.
    public var batchesWaiting = 0
    /// The next instant a scheduled item is due (generation or publication), if any.
    public var nextDue: Timestamp?
    /// Events files read.
    public var eventsFiles = 0
    /// Events counted into the bandit statistics.
    public var eventsCounted = 0

    /// Whether anything at all was rejected or failed (the exit code of `copydesk process`).
    public var hasProblems: Bool { rejected > 0 || failed > 0 || itemProblems > 0 }
}

extension Desk {
    /// Admits everything in the inbox (and anything left claimed by a dead process), does all
    /// the work due now, and returns what happened. `copydesk process`.
    ///
    /// Scheduled batches already admitted are loaded first, then the inbox is processed (so a
    /// cancel file in it applies before anything is published), then every scheduled item due
    /// now is generated or published; items due later stay scheduled for the next pass or the
    /// daemon.
    public func processOnce() async throws(DeskError) -> PassSummary {
        do throws(Errno) {
            try claims.open()
        } catch {
            throw DeskError.io("cannot create the claim folder", error)
        }
        defer { claims.close() }
        let intake = IntakeService(
            layout: layout, options: intakeOptions, claims: claims, clock: clock, logger: logger, metrics: metrics)
        var files: [ClaimedFile] = []
        do throws(Errno) {
            files = try claims.recover(detectedAt: clock.uptimeNanoseconds())
        } catch {
            logger.error("claims.recover_failed", ["error": error.description])
        }
        files += intake.scanOnce()
        let executor = BlockingExecutor(threads: configuration.workers)
        defer { executor.shutdown() }
        let scheduler = makeScheduler(executor: executor)
        await scheduler.recover()
        var dispositions = await processAll(files, executor: executor, scheduler: scheduler)
        // CSV and JSONL files no request took and no route matches, once they are old enough
        // that no request is coming for them (intake.items_from_wait_seconds, by mtime).
        let leftovers = await executor.run { intake.scanOnce(leftovers: true) }
        if !leftovers.isEmpty {
            dispositions += await processAll(leftovers, executor: executor, scheduler: scheduler)
        }
        var summary = PassSummary()
        for disposition in dispositions {
            switch disposition {
            case .admitted(_, let progress):
                summary.admitted += 1
                summary.itemProblems += progress[.rejected] + progress[.failed]
                summary.itemsGenerated += progress[.generated]
            case .events(_, let report):
                summary.eventsFiles += 1
                summary.eventsCounted += report.counted
                summary.itemProblems += report.badLines.count
            case .scheduled(let admission):
                summary.admitted += 1
                summary.scheduled += 1
                summary.itemProblems += admission.request.items.reduce(0) { $0 + ($1.rejection == nil ? 0 : 1) }
            case .cancel: summary.cancels += 1
            case .duplicate: summary.duplicates += 1
            case .rejected: summary.rejected += 1
            case .failed: summary.failed += 1
            case .released, .vanished: break
            }
        }
        summary.scheduledItemsHandled = await scheduler.runDue()
        summary.batchesWaiting = await scheduler.batchCount
        summary.nextDue = await scheduler.nextDue
        await scheduler.releaseLeases()
        writeMetrics()
        flushPendingFolders()
        writeHealth(status: "stopped", mode: "process", inFlight: 0)
        return summary
    }

    /// Processes `files`, at most `workers` at once, and returns what became of each.
    private func processAll(
        _ files: [ClaimedFile], executor: BlockingExecutor, scheduler: Scheduler
    ) async -> [BatchProcessor.Disposition] {
        await withTaskGroup(of: BatchProcessor.Disposition.self) { group in
            var results: [BatchProcessor.Disposition] = []
            var next = 0
            while next < files.count && next < configuration.workers {
                let file = files[next]
                group.addTask { await self.process(file, executor: executor, scheduler: scheduler) }
                next += 1
            }
            for await disposition in group {
                results.append(disposition)
                if next < files.count {
                    let file = files[next]
                    group.addTask { await self.process(file, executor: executor, scheduler: scheduler) }
                    next += 1
                }
            }
            return results
        }
    }
}
