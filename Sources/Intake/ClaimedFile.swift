import DeskKit

/// A request file this process has taken from the inbox by renaming it into its claim folder.
public struct ClaimedFile: Sendable, Hashable {
    /// The org the file was dropped for.
    public var org: String
    /// The name the file had in the inbox.
    public var name: String
    /// Where the file is now, inside this process's claim folder.
    public var path: String
    /// When the file was first noticed (monotonic nanoseconds), for latency metrics.
    public var detectedAt: UInt64
    /// Whether the file was recovered from a dead process's claims rather than freshly taken.
    public var recovered: Bool

    /// A claimed file.
    public init(org: String, name: String, path: String, detectedAt: UInt64, recovered: Bool = false) {
        self.org = org
        self.name = name
        self.path = path
        self.detectedAt = detectedAt
        self.recovered = recovered
    }
}
