#if canImport(Glibc)
import Glibc
#endif
import DeskKit
import Intake

/// A lease this process holds on one scheduled batch: only the holder generates, publishes and
/// writes the status of the batch.
struct BatchLease: Sendable, Equatable {
    var org: String
    var batchID: String
    /// The lease's generation: each takeover makes the next one.
    var generation: Int
    /// This holder's random token, so a holder recognises its own file.
    var nonce: String
}

/// The leases on scheduled batches, so that several copydesk processes on one desk (on one host
/// or several sharing the folder over NFS) publish each item exactly once.
///
/// A lease is a folder `state/<org>/leases/<batch_id>/` holding one file per generation,
/// `<generation>.json` (`{owner, nonce, renewals, renewed_at}`); the highest generation is the
/// lease. Taking a lease is creating the next generation's file with `link(2)` (``AtomicFile/create(_:at:)``),
/// which exactly one process wins; the winner then removes the older files. The holder renews
/// its file (a counter) every third of the lease time and checks before every publication that
/// it still holds it. Another process takes a lease over when its holder is dead (its claim
/// lock is free: at once) or when it has not been renewed for `lease_seconds` as timed on the
/// observer's own monotonic clock (a holder on another host, or a hung one; wall clocks and
/// their jumps play no part). A holder whose renewal fails, or whose check before publishing
/// finds the lease taken, stops working on the batch. Every operation is O(files in the lease folder), normally one.
struct LeaseBook: Sendable {
    let layout: DeskLayout
    let identity: ProcessIdentity

    /// What a lease folder says now.
    struct Holder: Sendable, Equatable {
        var generation: Int
        var owner: String
        var nonce: String
        var renewals: Int
    }

    /// The current holder of `batchID`'s lease, or `nil` when nobody holds it. One
    /// `getdents(2)` of the lease folder and one `read(2)`.
    func holder(org: String, batchID: String) -> Holder? {
        let folder = layout.lease(org: org, batchID: batchID)
        guard let entries = try? FileSystem.entries(of: folder) else { return nil }
        let generations = entries.compactMap { entry -> Int? in
            guard entry.name.hasSuffix(".json"), !entry.name.hasPrefix(".") else { return nil }
            return Int(entry.name.dropLast(5))
        }
        guard let top = generations.max() else { return nil }
        let path = Path.join(folder, "\(top).json")
        guard let bytes = try? FileSystem.readFile(path, limit: 1 << 16), let json = try? JSONValue.parse(bytes),
            let owner = json["owner"]?.stringValue, let nonce = json["nonce"]?.stringValue
        else {
            // Being written by its creator (link of a complete file: never torn) or removed: an
            // unknown holder, which only expiry can displace.
            return Holder(generation: top, owner: "", nonce: "", renewals: -1)
        }
        return Holder(generation: top, owner: owner, nonce: nonce, renewals: json["renewals"]?.intValue ?? 0)
    }

    /// Takes the lease of `batchID` if `holder` (what the caller saw, `nil` for none) is still
    /// the current one: creates generation `holder.generation + 1`. Returns the lease, or `nil`
    /// when another process got there first.
    func take(org: String, batchID: String, replacing holder: Holder?, at now: Timestamp) throws(Errno) -> BatchLease? {
        let folder = layout.lease(org: org, batchID: batchID)
        // Not ensureDirectory: lease folders come and go, its memory of them would be stale.
        try FileSystem.createDirectory(folder)
        let lease = BatchLease(
            org: org, batchID: batchID, generation: (holder?.generation ?? 0) + 1,
            nonce: String(UInt64.random(in: 1...UInt64.max), radix: 36))
        guard try AtomicFile.create(document(lease, renewals: 0, at: now), at: path(of: lease)) else { return nil }
        // Older generations go; a slow former holder then finds its file gone and stops.
        for entry in (try? FileSystem.entries(of: folder)) ?? [] {
            guard entry.name.hasSuffix(".json"), let g = Int(entry.name.dropLast(5)), g < lease.generation else { continue }
            try? FileSystem.remove(Path.join(folder, entry.name))
        }
        return lease
    }

    /// Whether `lease` is still this process's: its file is the highest generation and carries
    /// its nonce.
    func holds(_ lease: BatchLease) -> Bool {
        guard let current = holder(org: lease.org, batchID: lease.batchID) else { return false }
        return current.generation == lease.generation && current.nonce == lease.nonce
    }

    /// Renews `lease` (its counter goes up, so observers see it alive); `false` when it was lost.
    func renew(_ lease: BatchLease, renewals: Int, at now: Timestamp) -> Bool {
        guard holds(lease) else { return false }
        do throws(Errno) {
            try AtomicFile.write(document(lease, renewals: renewals, at: now), to: path(of: lease), syncDirectory: false)
            return holds(lease)
        } catch {
            return false
        }
    }

    /// Gives `lease` up (the batch finished, or this process stops): its file goes, and the
    /// folder when it is empty.
    func release(_ lease: BatchLease) {
        guard holds(lease) else { return }
        try? FileSystem.remove(path(of: lease))
        removeFolderIfEmpty(org: lease.org, batchID: lease.batchID)
    }

    /// Removes the lease folder of a finished batch, whatever it holds.
    func removeAll(org: String, batchID: String) {
        let folder = layout.lease(org: org, batchID: batchID)
        for entry in (try? FileSystem.entries(of: folder)) ?? [] { try? FileSystem.remove(Path.join(folder, entry.name)) }
        try? FileSystem.removeDirectory(folder)
    }

    private func removeFolderIfEmpty(org: String, batchID: String) {
        let folder = layout.lease(org: org, batchID: batchID)
        if (try? FileSystem.entries(of: folder))?.isEmpty == true { try? FileSystem.removeDirectory(folder) }
    }

    /// Whether `holder` is a process that is gone (its claim folder's lock is free).
    func isDead(_ holder: Holder) -> Bool {
        guard !holder.owner.isEmpty else { return false }
        return !ClaimStore.isAlive(tag: holder.owner, layout: layout)
    }

    private func path(of lease: BatchLease) -> String {
        Path.join(layout.lease(org: lease.org, batchID: lease.batchID), "\(lease.generation).json")
    }

    private func document(_ lease: BatchLease, renewals: Int, at now: Timestamp) -> [UInt8] {
        JSONValue.object(
            JSONObject([
                ("owner", .string(identity.tag)), ("nonce", .string(lease.nonce)), ("renewals", .int(renewals)),
                ("renewed_at", .string(now.iso8601)),
            ])
        ).serialized()
    }

    // MARK: Cancellations asked of the holder

    /// `state/<org>/leases/<batch_id>/cancel.request`: a cancellation another process asked
    /// for, applied by the holder.
    func cancelRequestPath(org: String, batchID: String) -> String {
        Path.join(layout.lease(org: org, batchID: batchID), "cancel.request")
    }

    /// Asks the holder of `batchID` to cancel it. Idempotent.
    func requestCancel(org: String, batchID: String, at now: Timestamp) throws(Errno) {
        try FileSystem.createDirectory(layout.lease(org: org, batchID: batchID))
        try AtomicFile.createIfAbsent(at: cancelRequestPath(org: org, batchID: batchID)) {
            JSONValue.object(JSONObject([("requested_at", .string(now.iso8601)), ("by", .string(identity.tag))]))
        }
    }

    /// Whether a cancellation of `batchID` is waiting for its holder. One `stat(2)`.
    func cancelRequested(org: String, batchID: String) -> Bool {
        FileSystem.exists(cancelRequestPath(org: org, batchID: batchID))
    }
}
