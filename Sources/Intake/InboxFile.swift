import DeskKit

/// A file seen in the inbox: where it is and which org it belongs to.
public struct InboxFile: Sendable, Hashable {
    /// The org, from the inbox sub-folder (`default` for files directly in `inbox/`).
    public var org: String
    /// The file's name in its folder.
    public var name: String
    /// The full path.
    public var path: String

    /// A file `name` of `org` at `path`.
    public init(org: String, name: String, path: String) {
        self.org = org
        self.name = name
        self.path = path
    }

    /// Whether copydesk never picks up a file called `name`: dotfiles and names ending in `.tmp`,
    /// `.part`, `.partial`, `.crdownload` or `~`, which writers use before renaming.
    public static func isIgnored(_ name: String) -> Bool {
        if name.isEmpty || name.hasPrefix(".") || name.hasSuffix("~") { return true }
        let lower = name.lowercased()
        return lower.hasSuffix(".tmp") || lower.hasSuffix(".part") || lower.hasSuffix(".partial")
            || lower.hasSuffix(".crdownload")
    }

    /// Whether `name` is usable as an org sub-folder of the inbox: 1–64 of `[A-Za-z0-9._-]`,
    /// not an ignored name. Other folders are left alone (and logged once).
    public static func isValidOrg(_ name: String) -> Bool {
        !isIgnored(name) && Path.isSafeID(name, maxBytes: 64)
    }

    /// Whether `name` is a CSV or JSONL data file (rows for a route or an `items_from` request),
    /// not an events file.
    public static func isDataFile(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".csv") || (lower.hasSuffix(".jsonl") && !lower.hasSuffix(".events.jsonl"))
    }
}
