#if canImport(Glibc)
import Glibc
#endif

/// A filesystem error the desk met (disk full, permission denied, …), kept for `health.json`.
public struct IOErrorRecord: Sendable, Equatable {
    /// When it happened.
    public var at: Timestamp
    /// The error's symbolic name (`ENOSPC`).
    public var name: String
    /// What failed, and why.
    public var message: String
}

extension Metrics {
    /// Counts `error` in `copydesk_io_errors_total{errno="ENOSPC"}` and keeps it as the last
    /// filesystem error, for `health.json`.
    public func recordIOError(_ error: Errno, at now: Timestamp) {
        let name = Self.errnoName(error.code)
        increment("copydesk_io_errors_total", ["errno": name])
        lastIOError.withLock { $0 = IOErrorRecord(at: now, name: name, message: error.description) }
    }

    /// The last filesystem error, if any.
    public var lastIOErrorRecord: IOErrorRecord? { lastIOError.withLock { $0 } }

    /// The symbolic name of an `errno` value copydesk meets on files (`ENOSPC`), else `E<number>`.
    public static func errnoName(_ code: Int32) -> String {
        switch code {
        case ENOSPC: return "ENOSPC"
        case EDQUOT: return "EDQUOT"
        case EACCES: return "EACCES"
        case EPERM: return "EPERM"
        case EROFS: return "EROFS"
        case EIO: return "EIO"
        case ENOENT: return "ENOENT"
        case ENOTDIR: return "ENOTDIR"
        case EMFILE: return "EMFILE"
        case ENFILE: return "ENFILE"
        case ESTALE: return "ESTALE"
        case EXDEV: return "EXDEV"
        default: return "E\(code)"
        }
    }
}
