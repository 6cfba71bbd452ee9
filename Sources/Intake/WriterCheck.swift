#if canImport(Glibc)
import Glibc
#endif
import DeskKit

/// Asks the kernel whether anyone still has a file open for writing.
///
/// Takes a read lease with `fcntl(F_SETLEASE, F_RDLCK)` on a read-only descriptor and drops it at
/// once: the kernel refuses the lease with `EAGAIN` while any process has the file open for
/// writing. Leases exist on local filesystems for the file's owner (or with `CAP_LEASE`); where
/// the kernel cannot say, the answer is ``Answer/unknown`` and the caller falls back on time.
public enum WriterCheck {
    /// What the kernel said.
    public enum Answer: Sendable, Equatable {
        /// Nobody has the file open for writing.
        case closed
        /// A writer still has the file open.
        case open
        /// The filesystem or our privileges do not allow asking.
        case unknown
        /// The file is gone.
        case missing
    }

    /// Whether `path` is still open for writing (`open(2)` + `fcntl(2)` F_SETLEASE).
    public static func check(_ path: String) -> Answer {
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 { return errno == ENOENT ? .missing : .unknown }
        defer { _ = Glibc.close(fd) }
        let F_SETLEASE: Int32 = 1024
        if fcntl(fd, F_SETLEASE, Int32(F_RDLCK)) == 0 {
            _ = fcntl(fd, F_SETLEASE, Int32(F_UNLCK))
            return .closed
        }
        return errno == EAGAIN ? .open : .unknown
    }
}
