#if canImport(Glibc)
import Glibc
#endif
import DeskKit
import Dialects

/// Several processes on one desk: each scheduled batch is worked on by the holder of its lease
/// (``LeaseBook``), which renews it; the others watch it and take it over when it expires.
extension Scheduler {
    /// Takes the lease of `batchID` for this process if nobody holds it, its holder is dead, or
    /// it has not been renewed for the lease time (as this process saw it); `nil` otherwise.
    func takeLease(org: String, batchID: String) async -> BatchLease? {
        let key = org + "/" + batchID
        let leases = self.leases
        let now = clock.now()
        let (holder, dead) = await executor.run { () -> (LeaseBook.Holder?, Bool) in
            let holder = leases.holder(org: org, batchID: batchID)
            return (holder, holder.map { leases.isDead($0) } ?? false)
        }
        if let holder, !dead, holder.owner != leases.identity.tag {
            let uptime = clock.uptimeNanoseconds()
            guard let seen = foreign[key], seen.holder == holder else {
                // First sight of this holder (or it renewed): it lives, for now.
                foreign[key] = (holder, uptime)
                return nil
            }
            // (A clock that went back starts the wait again rather than ending it.)
            guard uptime >= seen.since, uptime - seen.since >= leaseNanoseconds else {
                if uptime < seen.since { foreign[key] = (holder, uptime) }
                return nil
            }
            logger.warning(
                "schedule.lease_expired", ["batch": batchID, "org": org, "holder": holder.owner])
        }
        // A lease of our own tag that we do not hold in memory is an earlier life's (pid reuse).
        let attempt = await executor.run { () -> Result<BatchLease?, Errno> in
            do throws(Errno) {
                return .success(try leases.take(org: org, batchID: batchID, replacing: holder, at: now))
            } catch {
                return .failure(error)
            }
        }
        let taken: BatchLease?
        switch attempt {
        case .success(let lease): taken = lease
        case .failure(let error):
            // Disk full, permission denied: said in health.json; tried again at the next look.
            logger.error("schedule.lease_failed", ["batch": batchID, "org": org, "error": error.description])
            metrics.recordIOError(error, at: now)
            taken = nil
        }
        if taken != nil {
            foreign[key] = nil
            if let holder, !holder.owner.isEmpty, holder.owner != leases.identity.tag {
                logger.info("schedule.lease_taken_over", ["batch": batchID, "org": org, "from": holder.owner])
            }
        }
        return taken
    }

    /// Renews this process's leases and looks for batches to take over, every third of the
    /// lease time; applies cancellations other processes asked for, every second.
    func maintainLeases() async {
        let uptime = clock.uptimeNanoseconds()
        if uptime &- lastCancelCheck >= 1_000_000_000 {
            lastCancelCheck = uptime
            await applyCancelRequests()
        }
        guard uptime &- lastLeaseCheck >= leaseNanoseconds / 3 else { return }
        lastLeaseCheck = uptime
        let leases = self.leases
        let now = clock.now()
        let held = batches.values.filter { !$0.finished && $0.lease != nil }.map { ($0.slot, $0.lease!, $0.renewals + 1) }
        let lost = await executor.run { () -> [Int] in
            held.filter { slot, lease, renewals in !leases.renew(lease, renewals: renewals, at: now) }.map(\.0)
        }
        for (slot, _, renewals) in held {
            guard let batch = batches[slot] else { continue }
            if lost.contains(slot) {
                logger.warning("schedule.lease_lost", ["batch": batch.batchID, "org": batch.org])
                drop(batch)
            } else {
                batch.renewals = renewals
            }
        }
        // Batches admitted or held by other processes: taken over when their holder is gone.
        // Only the names are listed; a marker is read when its batch is not held here.
        let layout = self.layout
        let scheduled = await executor.run { ScheduleMarker.keys(layout: layout) }
        var known = Set<String>()
        for (org, batchID) in scheduled {
            let key = org + "/" + batchID
            known.insert(key)
            guard slots[key] == nil,
                let marker = await executor.run({ ScheduleMarker.load(layout: layout, org: org, batchID: batchID) })
            else { continue }
            _ = await load(marker)
        }
        foreign = foreign.filter { known.contains($0.key) }
    }

    /// Forgets `batch` without finishing it: another process holds its lease now.
    func drop(_ batch: ScheduledBatch) {
        batch.finished = true
        batch.lease = nil
        batches[batch.slot] = nil
        slots[batch.org + "/" + batch.batchID] = nil
        metrics.set("copydesk_scheduled_batches", Double(batches.count))
    }

    /// Gives up every lease this process holds (it stops): another process may take the batches
    /// at once instead of waiting for the leases to expire.
    public func releaseLeases() async {
        let held = batches.values.compactMap(\.lease)
        let leases = self.leases
        await executor.run { for lease in held { leases.release(lease) } }
        for batch in batches.values { batch.lease = nil }
    }

    /// Applies the cancellations other processes asked of batches this one holds.
    private func applyCancelRequests() async {
        let leases = self.leases
        let held = batches.values.filter { !$0.finished && $0.lease != nil }.map { ($0.org, $0.batchID) }
        guard !held.isEmpty else { return }
        let asked = await executor.run { held.filter { leases.cancelRequested(org: $0.0, batchID: $0.1) } }
        for (org, batchID) in asked {
            _ = await cancel(batchID: batchID, org: org)
            await executor.run { try? FileSystem.remove(leases.cancelRequestPath(org: org, batchID: batchID)) }
        }
    }
}

extension Scheduler {
    /// Cancels `batchID` through the process holding its lease, if another one holds it: asks it
    /// (``LeaseBook/requestCancel(org:batchID:at:)``), waits up to the lease time for it to
    /// apply the request, and answers from the batch's status. `nil` when no live process other
    /// than this one holds the batch (the caller cancels it itself).
    func cancelHeldElsewhere(
        batchID: String, org: String
    ) async -> Result<(BatchCancellation, String), DeskError>? {
        let leases = self.leases
        let layout = self.layout
        guard
            let holder = await executor.run({ () -> LeaseBook.Holder? in
                guard FileSystem.exists(layout.scheduleMarker(org: org, batchID: batchID)) else { return nil }
                return leases.holder(org: org, batchID: batchID)
            }),
            holder.owner != leases.identity.tag
        else { return nil }
        let now = clock.now()
        let asked = await executor.run { () -> Errno? in
            do throws(Errno) {
                try leases.requestCancel(org: org, batchID: batchID, at: now)
                return nil
            } catch {
                return error
            }
        }
        if let asked { return .failure(DeskError.io("cannot ask for the cancellation of \(batchID)", asked)) }
        let deadline = clock.uptimeNanoseconds() + leaseNanoseconds + 5_000_000_000
        while clock.uptimeNanoseconds() < deadline {
            let pending = await executor.run { () -> Bool in
                usleep(50_000)
                return leases.cancelRequested(org: org, batchID: batchID)
                    && FileSystem.exists(layout.scheduleMarker(org: org, batchID: batchID))
            }
            guard pending else {
                let statusBook = self.statusBook
                let header = await executor.run { statusBook.readHeader(org: org, batchID: batchID) }
                let format = header?["format"]?.stringValue ?? "native"
                return .success(
                    (
                        BatchCancellation(
                            batchID: batchID, org: org, cancelled: header?["progress"]?["cancelled"]?.intValue ?? 0,
                            published: header?["progress"]?["published"]?.intValue ?? 0, alreadyFinished: false, at: now),
                        format
                    ))
            }
            // Its holder died meanwhile: this process takes the batch and cancels it itself.
            if let marker = await executor.run({
                leases.isDead(holder) ? ScheduleMarker.load(layout: layout, org: org, batchID: batchID) : nil
            }) {
                _ = await load(marker)
                if slots[org + "/" + batchID] != nil { return nil }
            }
        }
        return .failure(
            DeskError(
                .ioError,
                "batch '\(batchID)' is worked on by \(holder.owner), which has not applied the cancellation yet; it stays asked for (state/\(org)/leases/\(batchID)/cancel.request) and is applied when that process, or one taking the batch over, next looks",
                field: "cancel"))
    }
}
