#if canImport(Glibc)
import Glibc
#endif
import DeskKit
import Synchronization

/// Takes inbox files for this process, exactly once across every process sharing the desk.
///
/// A claim is a `rename(2)` of `inbox/<org>/<name>` into `state/claims/<host>.<pid>/<org>/`:
/// atomic on local disks and on NFS, so when several processes race for a file exactly one
/// rename succeeds (the Maildir rule). Each claim folder holds a `.lock` file that its owner keeps
/// `flock(2)`ed for its whole life; a claim folder whose lock can be taken belongs to a dead
/// process, and its files are recovered. Where `state/` is on another filesystem than the inbox
/// (`EXDEV`), claims live in `inbox/.claims/<host>.<pid>/` instead, which no watcher picks up.
public final class ClaimStore: Sendable {
    private let layout: DeskLayout
    private let identity: ProcessIdentity
    private let logger: Logger
    private let lockDescriptor = Mutex<Int32>(-1)
    private let claimRoot: Mutex<String>
    private let sequence = Atomic<Int>(0)
    private let orgFolders = Mutex<Set<String>>([])

    /// A store for the desk `layout`, claiming as `identity`.
    public init(layout: DeskLayout, identity: ProcessIdentity = .current, logger: Logger = .silent) {
        self.layout = layout
        self.identity = identity
        self.logger = logger
        self.claimRoot = Mutex(layout.claims)
    }

    deinit {
        let fd = lockDescriptor.withLock { $0 }
        if fd >= 0 { Glibc.close(fd) }
    }

    /// This process's claim folder.
    public var folder: String { Path.join(claimRoot.withLock { $0 }, identity.tag) }

    /// Creates this process's claim folder and takes its lock.
    ///
    /// The folder is built under a dot-name, locked, then renamed into place, so no other process
    /// ever sees it unlocked and mistakes it for a dead one's.
    public func open() throws(Errno) {
        try open(under: layout.claims)
    }

    private func open(under root: String) throws(Errno) {
        try FileSystem.createDirectory(root)
        let final = Path.join(root, identity.tag)
        let staging = Path.join(root, ".new-" + identity.tag)
        if FileSystem.isDirectory(final) {
            // Our own tag from an earlier life (pid reuse after a reboot): recover it like any other.
            try lockAndInstall(at: final, staging: nil)
        } else {
            try FileSystem.createDirectory(staging)
            try lockAndInstall(at: final, staging: staging)
        }
        claimRoot.withLock { $0 = root }
    }

    private func lockAndInstall(at final: String, staging: String?) throws(Errno) {
        let lockPath = Path.join(staging ?? final, ".lock")
        let fd = try FileDescriptor.open(lockPath, O_RDWR | O_CREAT, mode: 0o644)
        _ = try valueOrErrno("flock(\"\(lockPath)\")") { flock(fd.rawValue, LOCK_EX | LOCK_NB) }
        if let staging { try FileSystem.rename(staging, to: final) }
        lockDescriptor.withLock { $0 = fd.rawValue }
    }

    /// Takes `file` from the inbox; `nil` when another process (or an earlier event) took it first.
    ///
    /// One `rename(2)`, plus a `mkdir(2)` the first time an org is claimed. The claimed name keeps
    /// the inbox name behind a sequence number, so two drops of one name never collide.
    public func claim(_ file: InboxFile, detectedAt: UInt64) throws(Errno) -> ClaimedFile? {
        let n = sequence.add(1, ordering: .relaxed).newValue
        var orgFolder = Path.join(folder, file.org)
        try ensureFolder(orgFolder)
        var destination = Path.join(orgFolder, "\(n).\(file.name)")
        do {
            try FileSystem.rename(file.path, to: destination)
        } catch where error.code == ENOENT {
            return nil
        } catch where error.code == EXDEV {
            logger.warning(
                "claims.cross_device", ["reason": "state/ is on another filesystem than the inbox", "using": "inbox/.claims"])
            try open(under: Path.join(layout.inbox, ".claims"))
            orgFolder = Path.join(folder, file.org)
            try ensureFolder(orgFolder)
            destination = Path.join(orgFolder, "\(n).\(file.name)")
            do {
                try FileSystem.rename(file.path, to: destination)
            } catch where error.code == ENOENT {
                return nil
            }
        }
        return ClaimedFile(org: file.org, name: file.name, path: destination, detectedAt: detectedAt)
    }

    private func ensureFolder(_ path: String) throws(Errno) {
        if orgFolders.withLock({ $0.contains(path) }) { return }
        try FileSystem.createDirectory(path)
        orgFolders.withLock { _ = $0.insert(path) }
    }

    /// Puts a claimed file back into the inbox under its own name (on shutdown, mid-batch), so
    /// this or another process resumes it later. Its `items_from` files go back first, so a crash
    /// in between leaves the request claimed and its file where the request looks for it.
    public func release(_ claimed: ClaimedFile) throws(Errno) {
        let inbox = layout.inbox(org: claimed.org)
        try FileSystem.createDirectory(inbox)
        let prefix = claimed.attachmentPrefix
        for entry in try FileSystem.entries(of: Path.parent(claimed.path)) where entry.name.hasPrefix(prefix) {
            let name = String(entry.name.dropFirst(prefix.count))
            try FileSystem.rename(Path.join(Path.parent(claimed.path), entry.name), to: Path.join(inbox, name))
        }
        try FileSystem.rename(claimed.path, to: Path.join(inbox, claimed.name))
    }

    /// Takes the `items_from` file `name` of the claimed request `request` from the request's own
    /// inbox folder into the claim folder beside it (one `rename(2)`), and returns where it now
    /// is; `nil` when it is in neither place. A file already beside the request (taken before a
    /// crash) is returned as it is.
    public func claimAttachment(named name: String, for request: ClaimedFile) throws(Errno) -> String? {
        let destination = request.attachmentPath(for: name)
        if FileSystem.exists(destination) { return destination }
        do {
            try FileSystem.rename(Path.join(layout.inbox(org: request.org), name), to: destination)
        } catch where error.code == ENOENT {
            return nil
        }
        return destination
    }

    /// Files this process already holds, and files of dead processes' claim folders, moved into
    /// this process's folder; the dead folders are removed.
    ///
    /// A claim folder is dead when its `.lock` can be `flock`ed. A request's `items_from` files
    /// move with it; one whose request is gone is removed (it was linked to its final place
    /// first). O(n·a) in claimed files n and their attachments a.
    public func recover(detectedAt: UInt64) throws(Errno) -> [ClaimedFile] {
        let mine = folder
        // Our own folder first: the files adopted below land in it and must not count twice.
        return try adopt(from: mine, removeFolder: false, detectedAt: detectedAt) + adoptAbandoned(detectedAt: detectedAt)
    }

    /// The files of dead processes' claim folders, moved into this process's folder; the dead
    /// folders are removed. A running daemon calls it every few seconds, so a worker that dies
    /// holding claims is recovered by the others. O(claim folders + their files).
    public func adoptAbandoned(detectedAt: UInt64) throws(Errno) -> [ClaimedFile] {
        let mine = folder
        var recovered: [ClaimedFile] = []
        for root in [layout.claims, Path.join(layout.inbox, ".claims")] {
            for entry in try FileSystem.entries(of: root) where entry.kind == .directory {
                let path = Path.join(root, entry.name)
                if path == mine { continue }
                guard Self.isAbandoned(path) else { continue }
                // A process being born has a lock-less staging folder for an instant: only one
                // left for a minute is a dead birth.
                if entry.name.hasPrefix(".new-") && Self.secondsSinceModified(path) < 60 { continue }
                logger.info("claims.recover", ["folder": path])
                recovered += try adopt(from: path, removeFolder: true, detectedAt: detectedAt)
            }
        }
        return recovered
    }

    /// Whether the process `tag` (`host.pid`) is alive on this desk: its claim folder (under
    /// `state/claims/` or `inbox/.claims/`) exists and its `.lock` is held. One `open(2)` and
    /// `flock(2)` per place; works across hosts where the filesystem has working locks (NFSv4).
    public static func isAlive(tag: String, layout: DeskLayout) -> Bool {
        for root in [layout.claims, Path.join(layout.inbox, ".claims")] {
            let folder = Path.join(root, tag)
            if FileSystem.isDirectory(folder) && !isAbandoned(folder) { return true }
        }
        return false
    }

    /// Seconds since `path` was last modified (`stat(2)`); infinity when it cannot be read.
    static func secondsSinceModified(_ path: String) -> Double {
        var st = stat()
        guard stat(path, &st) == 0 else { return .infinity }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec - st.st_mtim.tv_sec) + Double(now.tv_nsec - st.st_mtim.tv_nsec) / 1e9
    }

    /// Whether the claim folder at `path` belongs to a process that is gone: its lock is free.
    static func isAbandoned(_ path: String) -> Bool {
        let lockPath = Path.join(path, ".lock")
        let fd = Glibc.open(lockPath, O_RDWR | O_CLOEXEC)
        if fd < 0 {
            // A folder without a lock: a staging folder of a process that died while creating it,
            // or a claim folder emptied by another recoverer.
            return errno == ENOENT
        }
        defer { Glibc.close(fd) }
        return flock(fd, LOCK_EX | LOCK_NB) == 0
    }

    private func adopt(from path: String, removeFolder: Bool, detectedAt: UInt64) throws(Errno) -> [ClaimedFile] {
        var adopted: [ClaimedFile] = []
        for orgEntry in try FileSystem.entries(of: path) where orgEntry.kind == .directory {
            let org = orgEntry.name
            let source = Path.join(path, org)
            let target = Path.join(folder, org)
            let entries = try FileSystem.entries(of: source)
            let prefixes = Set(
                entries.lazy.filter { !$0.name.hasPrefix(".") }.map { ClaimedFile.attachmentPrefix(claimedName: $0.name) })
            for entry in entries where entry.name.hasPrefix(".") && entry.name.contains(".from.") {
                let prefix = ClaimedFile.attachmentPrefix(claimedName: String(entry.name.dropFirst()))
                guard entry.name.hasPrefix(prefix), !prefixes.contains(prefix) else { continue }
                try settleOrphan(Path.join(source, entry.name), name: String(entry.name.dropFirst(prefix.count)), org: org)
            }
            for entry in entries {
                guard !entry.name.hasPrefix("."), let dot = entry.name.firstIndex(of: ".") else { continue }
                let name = String(entry.name[entry.name.index(after: dot)...])
                var destination = Path.join(source, entry.name)
                if removeFolder {
                    try ensureFolder(target)
                    let n = sequence.add(1, ordering: .relaxed).newValue
                    destination = Path.join(target, "\(n).\(name)")
                    do {
                        try FileSystem.rename(Path.join(source, entry.name), to: destination)
                    } catch where error.code == ENOENT {
                        continue  // another process recovered it first
                    }
                    // Its items_from files follow it (only the process that won the request moves
                    // them); a crash in between leaves them orphans, settled by the next recovery.
                    let oldPrefix = ClaimedFile.attachmentPrefix(claimedName: entry.name)
                    for attachment in entries where attachment.name.hasPrefix(oldPrefix) {
                        let moved = ".\(n).from." + attachment.name.dropFirst(oldPrefix.count)
                        try FileSystem.rename(Path.join(source, attachment.name), to: Path.join(target, moved))
                    }
                }
                adopted.append(
                    ClaimedFile(org: org, name: name, path: destination, detectedAt: detectedAt, recovered: true))
            }
            if removeFolder { try? FileSystem.removeDirectory(source) }
        }
        if removeFolder {
            try? FileSystem.remove(Path.join(path, ".lock"))
            try? FileSystem.removeDirectory(path)
        }
        return adopted
    }

    /// Settles an `items_from` file whose request is no longer beside it: removed when it already
    /// has a second name (it was linked into `archive/` or `rejected/` before its request left),
    /// otherwise put back into the inbox as `name`, where its request (recovered elsewhere) looks
    /// for it. Never loses the file: one `lstat(2)`, then one `unlink(2)` or `rename(2)`.
    private func settleOrphan(_ path: String, name: String, org: String) throws(Errno) {
        guard let st = try FileSystem.linkStatus(path) else { return }
        if st.st_nlink > 1 {
            try FileSystem.remove(path)
        } else {
            let inbox = layout.inbox(org: org)
            try FileSystem.createDirectory(inbox)
            try FileSystem.rename(path, to: Path.join(inbox, name))
        }
    }

    /// Removes this process's claim folder if it holds nothing (on clean shutdown).
    public func close() {
        let mine = folder
        if let orgs = try? FileSystem.entries(of: mine) {
            for org in orgs where org.kind == .directory {
                try? FileSystem.removeDirectory(Path.join(mine, org.name))
            }
        }
        if (try? FileSystem.entries(of: mine))?.allSatisfy({ $0.name == ".lock" }) == true {
            try? FileSystem.remove(Path.join(mine, ".lock"))
            try? FileSystem.removeDirectory(mine)
        }
        // The folders just removed must be created again by a later open() in this process.
        orgFolders.withLock { $0.removeAll() }
        let fd = lockDescriptor.withLock { fd in
            defer { fd = -1 }
            return fd
        }
        if fd >= 0 { Glibc.close(fd) }
    }
}
