#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive `flock(2)` lock on a lock file, so the processes sharing a desk take turns at a
/// read-modify-write of a file they share (the credit ledger, the bandit's counters and sticky
/// assignments).
///
/// A `flock` belongs to the open file description: each ``withExclusive(_:)`` opens the lock file
/// anew, so two threads of one process exclude each other just as two processes do. Closing the
/// descriptor releases the lock, and so does the death of its process (`kill -9`): a lock is
/// never left behind. Works across hosts where the filesystem has working locks (NFSv4).
public struct FileLock: Sendable {
    /// The lock file; created (with its folder) when missing, never written.
    public let path: String

    /// The lock on the file at `path`.
    public init(path: String) { self.path = path }

    /// Runs `body` holding the lock: `open(2)` with `O_CREAT` (the folder is created when missing),
    /// `flock(2)` `LOCK_EX` (waiting for the holder; retried on `EINTR`), then `close(2)`, which
    /// releases it, whether `body` threw or not. Three system calls besides `body` and the wait.
    public func withExclusive<T>(_ body: () throws(Errno) -> T) throws(Errno) -> T {
        try FileSystem.ensureDirectory(Path.parent(path))
        let fd = try FileDescriptor.open(path, O_RDWR | O_CREAT, mode: 0o644)
        defer { fd.close() }  // closing releases the flock
        _ = try valueOrErrno("flock(\"\(path)\")") { flock(fd.rawValue, LOCK_EX) }
        return try body()
    }
}
