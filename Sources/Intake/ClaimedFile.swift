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
    /// Whether a done-marker route's export was taken after waiting in vain for a marker newer
    /// than itself: it is rejected, not read (it may still be being written).
    public var staleDoneMarker = false

    /// A claimed file.
    public init(org: String, name: String, path: String, detectedAt: UInt64, recovered: Bool = false) {
        self.org = org
        self.name = name
        self.path = path
        self.detectedAt = detectedAt
        self.recovered = recovered
    }

    /// The prefix of the names under which this request's `items_from` files are held beside it
    /// in the claim folder: `.<n>.from.`, where `<n>.<name>` is the request's claimed name. A
    /// dot-name, so recovery never takes such a file for a request of its own.
    public var attachmentPrefix: String { Self.attachmentPrefix(claimedName: Path.name(path)) }

    /// The attachment prefix of the claimed name `claimedName` (`17.leads.json` → `.17.from.`).
    public static func attachmentPrefix(claimedName: String) -> String {
        "." + claimedName.prefix { $0 != "." } + ".from."
    }

    /// Where the `items_from` file `name` of this request is held while the request is processed:
    /// `.<n>.from.<name>` in the claim folder.
    public func attachmentPath(for name: String) -> String {
        Path.join(Path.parent(path), attachmentPrefix + name)
    }
}
