import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes files whole or not at all, durably.
///
/// A write goes to a dot-named temporary file in the same folder, is `fsync`ed, renamed over the
/// destination, and the folder is `fsync`ed, so after a crash a reader finds either the old file
/// or the new one, never a mix, and a rename that was reported done survives power loss.
/// (Foundation's `.atomic` skips the folder `fsync`.)
public enum AtomicFile {
    private static let counter = Atomic<Int>(0)

    /// The name of a fresh temporary file for `name`: a dotfile naming this host and process,
    /// so a watcher never picks it up and recovery knows whose it was.
    public static func temporaryName(for name: String) -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        return ".\(name).\(ProcessIdentity.current.tag).\(n).tmp"
    }

    /// Writes `bytes` to `path` atomically and durably: temp, `fsync`, `rename`, folder `fsync`.
    ///
    /// With `syncDirectory: false` the caller takes over the folder `fsync` (to group several
    /// renames in one folder under one flush).
    public static func write(_ bytes: [UInt8], to path: String, syncDirectory: Bool = true) throws(Errno) {
        let folder = Path.parent(path)
        let temp = Path.join(folder, temporaryName(for: Path.name(path)))
        do throws(Errno) {
            try FileDescriptor.open(temp, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, mode: 0o644)
                .writeAllSyncAndClose(bytes)
            try FileSystem.rename(temp, to: path)
        } catch {
            _ = unlink(temp)
            throw error
        }
        if syncDirectory { try FileSystem.syncDirectory(folder) }
    }

    /// Creates `path` with `bytes` only if it does not exist yet, atomically and durably.
    ///
    /// Writes a temp file, `fsync`s it, then `link(2)`s it to `path` (which fails with `EEXIST`
    /// when another writer won), removes the temp and `fsync`s the folder (unless
    /// `syncDirectory` is `false`: the caller takes that over). Returns `false` when `path`
    /// already existed; nothing is changed then.
    public static func create(_ bytes: [UInt8], at path: String, syncDirectory: Bool = true) throws(Errno) -> Bool {
        let folder = Path.parent(path)
        let temp = Path.join(folder, temporaryName(for: Path.name(path)))
        let fd = try FileDescriptor.open(temp, O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
        defer { _ = unlink(temp) }
        try fd.writeAllSyncAndClose(bytes)
        if link(temp, path) != 0 {
            if errno == EEXIST { return false }
            throw Errno(errno, "link(\"\(temp)\" → \"\(path)\")")
        }
        _ = unlink(temp)
        if syncDirectory { try FileSystem.syncDirectory(folder) }
        return true
    }

    /// Writes the document `make` returns to `path` only if `path` does not exist yet: a result is
    /// written once, whatever crashes and retries happen. The folder is created when missing, and
    /// `make` is not called when the file exists. Race-free through ``create(_:at:syncDirectory:)``.
    /// Returns whether this call wrote it.
    @discardableResult
    public static func createIfAbsent(
        at path: String, syncDirectory: Bool = true, _ make: () -> JSONValue?
    ) throws(Errno) -> Bool {
        if FileSystem.exists(path) { return false }
        guard let document = make() else { return false }
        try FileSystem.ensureDirectory(Path.parent(path))
        return try create(document.serialized(pretty: true), at: path, syncDirectory: syncDirectory)
    }
}
