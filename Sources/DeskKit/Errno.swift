#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: the `errno` it set, and what copydesk was doing.
///
/// `description` reads like `open("/desk/inbox/a.json"): No such file or directory (ENOENT)`, so
/// a log line or an error file tells the operator which call on which path failed.
public struct Errno: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `errno` value.
    public var code: Int32
    /// The call and its main argument, e.g. `rename("a" → "b")`.
    public var operation: String

    /// An error for `code`, raised by `operation`.
    public init(_ code: Int32, _ operation: String = "") {
        self.code = code
        self.operation = operation
    }

    /// The C library's text for the code (`strerror`).
    public var reason: String { String(cString: strerror(code)) }

    public var description: String {
        operation.isEmpty ? "\(reason) (errno \(code))" : "\(operation): \(reason) (errno \(code))"
    }

    public static var noEntry: Int32 { ENOENT }
    public static var exists: Int32 { EEXIST }
    public static var interrupted: Int32 { EINTR }
    public static var wouldBlock: Int32 { EAGAIN }
    public static var crossDevice: Int32 { EXDEV }
    public static var noSpace: Int32 { ENOSPC }
}

/// Runs a system call until it does not fail with `EINTR`, and turns `-1` into a thrown ``Errno``.
///
/// This is the one place where copydesk reads `errno`, as swift-system's
/// `valueOrErrno(retryOnInterrupt:)` does. Never use it to retry `close(2)`: on Linux the
/// descriptor is gone after the first call, whatever it returned.
@inline(__always)
public func valueOrErrno<T: FixedWidthInteger>(
    _ operation: @autoclosure () -> String,
    retryOnInterrupt: Bool = true,
    _ call: () -> T
) throws(Errno) -> T {
    while true {
        let result = call()
        if result != -1 { return result }
        let code = errno
        if retryOnInterrupt && code == EINTR { continue }
        throw Errno(code, operation())
    }
}
