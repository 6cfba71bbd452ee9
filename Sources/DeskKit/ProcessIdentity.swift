#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who this process is on a shared desk: host name and process id.
public struct ProcessIdentity: Sendable, Equatable {
    /// The host name, made safe for a file name.
    public var host: String
    /// The process id.
    public var pid: Int32

    /// `host.pid`, the name of this process's claim folder.
    public var tag: String { "\(host).\(pid)" }

    /// This process.
    public static let current = ProcessIdentity(host: FileSystem.hostName(), pid: getpid())

    /// Parses a `host.pid` tag; `nil` if it is not one.
    public init?(tag: String) {
        guard let dot = tag.lastIndex(of: "."), let pid = Int32(tag[tag.index(after: dot)...]), pid > 0 else {
            return nil
        }
        self.host = String(tag[..<dot])
        self.pid = pid
    }

    /// An identity.
    public init(host: String, pid: Int32) {
        self.host = host
        self.pid = pid
    }
}
