import DeskKit

/// Publishes items: writes each item's content, atomically, as
/// `outbox/<org>/published/<batch_id>/<item>.<ext>`.
///
/// `<item>` is the item's id when it is a safe file name (letters, digits, `.`, `_`, `-`, not
/// starting with a dot, not of the form `item-<digits>`), else `item-<index>`; ids are unique in
/// a request, so names never collide. The extension follows the content: `.md` for a post
/// (its Markdown, front matter included), `.html` for a page (its `html` variable), `.json` for
/// copy (the rendered variables with the item's ids and due instant). An outcome whose format
/// says `markdown` or `html` but whose content has no such text is not published under that
/// extension with other bytes: ``problem(with:item:)`` fails the item instead.
///
/// Writing is idempotent: the bytes depend only on the item, its stored content and its due
/// instant, so publishing an item again after a crash rewrites the same file. The caller
/// `fsync`s the folder once per group (``syncFolder(org:batchID:)``) before it journals the
/// items as published.
public struct Publisher: Sendable {
    /// The desk's folders.
    public let layout: DeskLayout

    /// A publisher for the desk `layout`.
    public init(layout: DeskLayout) { self.layout = layout }

    /// The file name of `item` published with `format` (``ItemOutcome/format``). O(1).
    public static func fileName(for item: WorkItem, format: String?) -> String {
        let ext: String
        switch format {
        case "markdown"?: ext = "md"
        case "html"?: ext = "html"
        default: ext = "json"
        }
        return baseName(for: item) + "." + ext
    }

    /// `<id>` when the id is a safe file name, else `item-<index>`.
    static func baseName(for item: WorkItem) -> String {
        if let id = item.id, Path.isSafeID(id), !isIndexName(id) { return id }
        return "item-\(item.index)"
    }

    static func isIndexName(_ id: String) -> Bool {
        guard id.hasPrefix("item-") else { return false }
        let digits = id.utf8.dropFirst(5)
        return !digits.isEmpty && digits.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// The path of `item`'s published file relative to the desk root:
    /// `outbox/<org>/published/<batch_id>/<item>.<ext>`.
    public static func relativePath(org: String, batchID: String, item: WorkItem, format: String?) -> String {
        "outbox/\(org)/published/\(batchID)/" + fileName(for: item, format: format)
    }

    /// The absolute path of `item`'s published file.
    public func path(org: String, batchID: String, item: WorkItem, format: String?) -> String {
        Path.join(layout.published(org: org, batchID: batchID), Self.fileName(for: item, format: format))
    }

    /// Why `outcome` cannot be published as its ``ItemOutcome/format`` says: a `markdown` or
    /// `html` outcome whose content has no `markdown` (`html`) text. Its file would be named
    /// `.md` (`.html`) and hold something else, so the item fails with this error instead.
    /// `nil` when the outcome can be published. O(1).
    public static func problem(with outcome: ItemOutcome, item: WorkItem) -> DeskError? {
        guard let format = outcome.format, format == "markdown" || format == "html" else { return nil }
        if case .string? = outcome.content?[format] { return nil }
        let name = fileName(for: item, format: format)
        let source = outcome.templateID.map { "template '\($0)'" } ?? "its provider"
        return DeskError(
            .invalidTemplate,
            "item \(item.index) was generated as \(format) but its content has no \"\(format)\" text to publish as \(name): make \(source) produce a \"\(format)\" variable (or set its output to json), then drop the request again"
        )
    }

    /// Fails `outcome` with ``problem(with:item:)`` (no content left, the error set) when it
    /// cannot be published; returns whether it did. The one place both publishing paths (at
    /// once and at the due instant) refuse an item. O(1).
    public static func refuse(_ outcome: inout ItemOutcome, item: WorkItem) -> Bool {
        guard let problem = problem(with: outcome, item: item) else { return false }
        outcome.state = .failed
        outcome.error = problem
        outcome.content = nil
        return true
    }

    /// The bytes published for `item`, generated as `outcome`, due at `due`; `nil` when
    /// ``problem(with:item:)`` refuses the outcome.
    public static func bytes(
        batchID: String, org: String, item: WorkItem, outcome: ItemOutcome, due: Timestamp
    ) -> [UInt8]? {
        let content = outcome.content ?? JSONObject()
        switch outcome.format {
        case let format? where format == "markdown" || format == "html":
            guard case .string(let text)? = content[format] else { return nil }
            return Array(text.utf8)
        default:
            break
        }
        var o = JSONObject()
        o["batch_id"] = .string(batchID)
        o["org"] = .string(org)
        o["index"] = .int(item.index)
        if let id = item.id { o["id"] = .string(id) }
        if let templateID = outcome.templateID { o["template_id"] = .string(templateID) }
        if let copyID = outcome.copyID { o["copy_id"] = .string(copyID) }
        if let trackingID = outcome.trackingID { o["tracking_id"] = .string(trackingID) }
        o["scheduled_for"] = .string(due.iso8601)
        o["content"] = .object(content)
        if let generation = outcome.generation { o["generation"] = .object(generation) }
        var bytes = JSONValue.object(o).serialized(pretty: true)
        bytes.append(0x0A)
        return bytes
    }

    /// Creates the batch's folder (durably) if it is missing.
    public func prepareFolder(org: String, batchID: String) throws(Errno) {
        let folder = layout.published(org: org, batchID: batchID)
        if FileSystem.isDirectory(folder) { return }
        try FileSystem.createDirectory(folder)
        try FileSystem.syncDirectory(Path.parent(folder))
        try FileSystem.syncDirectory(Path.parent(Path.parent(folder)))
    }

    /// Writes `item`'s file atomically (temp, `fsync`, `rename`); the folder's `fsync` is left to
    /// ``syncFolder(org:batchID:)``, once per group. Returns the path relative to the root, or
    /// `nil` without writing anything when ``problem(with:item:)`` refuses the outcome (callers
    /// ask it first and fail the item with its error).
    @discardableResult
    public func publish(
        batchID: String, org: String, item: WorkItem, outcome: ItemOutcome, due: Timestamp
    ) throws(Errno) -> String? {
        guard let bytes = Self.bytes(batchID: batchID, org: org, item: item, outcome: outcome, due: due) else {
            return nil
        }
        try AtomicFile.write(
            bytes, to: path(org: org, batchID: batchID, item: item, format: outcome.format), syncDirectory: false)
        return Self.relativePath(org: org, batchID: batchID, item: item, format: outcome.format)
    }

    /// `fsync`s the batch's folder: every rename into it so far is durable.
    public func syncFolder(org: String, batchID: String) throws(Errno) {
        try FileSystem.syncDirectory(layout.published(org: org, batchID: batchID))
    }
}
