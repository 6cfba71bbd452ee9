#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// One entry of a folder listing.
public struct DirectoryEntry: Sendable, Equatable {
    /// The kind of file, from `d_type` (or `lstat` where the filesystem does not fill it in).
    public enum Kind: Sendable, Equatable { case file, directory, symlink, other }
    /// The entry's name (no slashes).
    public var name: String
    /// What the entry is; a symbolic link is reported as such, never followed.
    public var kind: Kind
}

/// The filesystem calls copydesk makes, each a thin wrapper over one POSIX call.
///
/// Paths are plain strings; every call that can fail throws ``Errno`` naming the call and path.
public enum FileSystem {
    /// Renames `source` to `destination` with `rename(2)`: atomic, replaces an existing file.
    public static func rename(_ source: String, to destination: String) throws(Errno) {
        _ = try valueOrErrno("rename(\"\(source)\" → \"\(destination)\")") { Glibc.rename(source, destination) }
    }

    /// Gives `source` a second name `destination` with `link(2)`; `false` when `destination`
    /// already exists (`EEXIST`), so a repeated step after a crash is harmless.
    @discardableResult
    public static func link(_ source: String, to destination: String) throws(Errno) -> Bool {
        if Glibc.link(source, destination) == 0 { return true }
        if errno == EEXIST { return false }
        throw Errno(errno, "link(\"\(source)\" → \"\(destination)\")")
    }

    /// Folders known to exist, so the hot path does not `mkdir` them again and again.
    private static let knownFolders = Mutex<Set<String>>([])

    /// Creates `path` like ``createDirectory(_:mode:)``, once per process: later calls for the same
    /// path return at once. After a failure that may mean a folder was removed, call
    /// ``forgetKnownFolders()``. O(1) on the fast path.
    public static func ensureDirectory(_ path: String) throws(Errno) {
        if knownFolders.withLock({ $0.contains(path) }) { return }
        try createDirectory(path)
        knownFolders.withLock { _ = $0.insert(path) }
    }

    /// Forgets the folders ``ensureDirectory(_:)`` saw, so the next call checks them again.
    public static func forgetKnownFolders() {
        knownFolders.withLock { $0.removeAll() }
    }

    /// Creates `path` and every missing parent with `mkdir(2)`; an existing folder is fine.
    public static func createDirectory(_ path: String, mode: mode_t = 0o755) throws(Errno) {
        if Glibc.mkdir(path, mode) == 0 { return }
        let code = errno
        if code == EEXIST {
            if isDirectory(path) { return }
            throw Errno(ENOTDIR, "mkdir(\"\(path)\")")
        }
        guard code == ENOENT else { throw Errno(code, "mkdir(\"\(path)\")") }
        let parent = Path.parent(path)
        if parent != path && !parent.isEmpty { try createDirectory(parent, mode: mode) }
        if Glibc.mkdir(path, mode) != 0 && errno != EEXIST { throw Errno(errno, "mkdir(\"\(path)\")") }
    }

    /// Metadata of `path` itself, not of a link's target (`lstat(2)`); `nil` if it does not exist.
    public static func linkStatus(_ path: String) throws(Errno) -> stat? {
        var st = stat()
        if lstat(path, &st) == 0 { return st }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw Errno(errno, "lstat(\"\(path)\")")
    }

    /// Whether `path` exists (a dangling symbolic link counts), by `lstat(2)`.
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Whether `path` is a folder, following links (`stat(2)`).
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Removes a file with `unlink(2)`; a missing file is fine.
    public static func remove(_ path: String) throws(Errno) {
        if unlink(path) == 0 || errno == ENOENT { return }
        throw Errno(errno, "unlink(\"\(path)\")")
    }

    /// Removes an empty folder with `rmdir(2)`; a missing folder is fine.
    public static func removeDirectory(_ path: String) throws(Errno) {
        if rmdir(path) == 0 || errno == ENOENT { return }
        throw Errno(errno, "rmdir(\"\(path)\")")
    }

    /// Flushes a folder's entries (creations, renames) to stable storage with a folder `fsync(2)`
    /// that starts after this call; concurrent callers share one (``DirectorySync``).
    public static func syncDirectory(_ path: String) throws(Errno) {
        try DirectorySync.shared.sync(path)
    }

    /// Flushes a folder's entries now: `open` + `fsync(2)` + `close`, not shared.
    public static func syncDirectoryNow(_ path: String) throws(Errno) {
        let fd = try FileDescriptor.openDirectory(path)
        defer { fd.close() }
        try fd.sync()
    }

    /// Lists a folder with `opendir(3)`/`readdir(3)`, without `.` and `..`, in no set order.
    ///
    /// O(n) in the number of entries; a folder that vanished lists as empty.
    public static func entries(of path: String) throws(Errno) -> [DirectoryEntry] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw Errno(errno, "opendir(\"\(path)\")")
        }
        defer { closedir(dir) }
        var result: [DirectoryEntry] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            var kind: DirectoryEntry.Kind
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): kind = .file
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_LNK): kind = .symlink
            case Int32(DT_UNKNOWN):
                var st = stat()
                if lstat(path + "/" + name, &st) != 0 { continue }
                kind = Self.kind(of: st)
            default: kind = .other
            }
            result.append(DirectoryEntry(name: name, kind: kind))
        }
        return result
    }

    /// The entry kind that `st_mode` describes.
    public static func kind(of st: stat) -> DirectoryEntry.Kind {
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    /// Reads a whole regular file, refusing links and files larger than `limit` bytes.
    ///
    /// Opens with `O_NOFOLLOW | O_NONBLOCK` (a FIFO never blocks the caller); returns `nil` when
    /// the file is larger than `limit`, decided by `fstat(2)` before anything is read.
    public static func readFile(_ path: String, limit: Int = Int.max) throws(Errno) -> [UInt8]? {
        let fd = try FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        defer { fd.close() }
        let st = try fd.status()
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw Errno(EINVAL, "read(\"\(path)\"): not a regular file") }
        return try fd.readAll(limit: limit)
    }

    /// The host name from `gethostname(2)`, with characters unsafe in a file name replaced.
    public static func hostName() -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        _ = buffer.withUnsafeMutableBytes { gethostname($0.baseAddress!.assumingMemoryBound(to: CChar.self), 255) }
        let name = String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
        let safe = name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        return safe.isEmpty ? "localhost" : String(safe)
    }
}
