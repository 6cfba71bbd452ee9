#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive `flock(2)` lock on a file, so the processes sharing a desk take turns at a
/// read-modify-write of a file they share (the credit ledger, the bandit's counters and sticky
/// assignments).
///
/// The locked file is either an empty lock file beside the data (`credits.lock`, for data
/// replaced by renames) or an append-only log itself, which the holder then reads and appends
/// through the descriptor it is given, with no second `open`. A `flock` belongs to the open file
/// description: each ``withExclusive(_:)`` opens the file anew, so two threads of one process
/// exclude each other just as two processes do. Closing the descriptor releases the lock, and so
/// does the death of its process (`kill -9`): a lock is never left behind. Works across hosts
/// where the filesystem has working locks (NFSv4).
public struct FileLock: Sendable {
    /// The locked file; created (with its folder) when missing.
    public let path: String

    /// The lock on the file at `path`.
    public init(path: String) { self.path = path }

    /// Runs `body` holding the lock: `open(2)` with `O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW`
    /// (the folder is created when missing), `flock(2)` `LOCK_EX` (waiting for the holder;
    /// retried on `EINTR`), `body` with the descriptor, then `close(2)`, which releases the lock,
    /// whether `body` threw or not. Three system calls besides `body` and the wait.
    public func withExclusive<T>(_ body: (FileDescriptor) throws(Errno) -> T) throws(Errno) -> T {
        try FileSystem.ensureDirectory(Path.parent(path))
        let fd = try FileDescriptor.open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW, mode: 0o644)
        defer { fd.close() }  // closing releases the flock
        _ = try valueOrErrno("flock(\"\(path)\")") { flock(fd.rawValue, LOCK_EX) }
        return try body(fd)
    }
}
