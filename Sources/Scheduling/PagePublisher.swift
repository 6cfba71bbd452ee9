#if canImport(Glibc)
import Glibc
#endif
import DeskKit

/// Publishes page items (tented's tents): each one a self-contained HTML file, `index.html`, in
/// a folder of its own, with the assets it clones in `assets/` beside it.
///
/// | page | folder |
/// |---|---|
/// | published, alias `a` | `outbox/<org>/published/site/a/` |
/// | published at the root (`/`) | `outbox/<org>/published/site/` |
/// | not published (`auto_publish` false) | `outbox/<org>/published/<batch_id>/<tent_id>/` |
///
/// A page without a custom alias is published at its tent id (a UUID, which no custom alias can
/// be). Every file is written atomically; writing a page again after a crash rewrites it.
public struct PagePublisher: Sendable {
    /// The desk's folders.
    public let layout: DeskLayout

    /// A publisher for the desk `layout`.
    public init(layout: DeskLayout) { self.layout = layout }

    /// The alias `item` is published at: its custom alias, else its tent id.
    public static func alias(of item: WorkItem) -> String {
        item.page?.customAlias ?? item.id ?? "item-\(item.index)"
    }

    /// The page folder of `item`, relative to the desk root, without a trailing slash.
    public static func relativeFolder(org: String, batchID: String, item: WorkItem, published: Bool) -> String {
        guard published else { return "outbox/\(org)/published/\(batchID)/\(item.id ?? "item-\(item.index)")" }
        let folder = alias(of: item) == "/" ? "" : "/" + alias(of: item)
        return "outbox/\(org)/published/site" + folder
    }

    /// The public URL of a page published at `alias` on a site at `baseURL` (no trailing slash):
    /// `<base_url>/<alias>`, `<base_url>/` for the root.
    public static func url(baseURL: String?, alias: String) -> String? {
        guard let baseURL else { return nil }
        return alias == "/" ? baseURL + "/" : baseURL + "/" + alias
    }

    /// Writes `item`'s page (``html(from:title:)`` of its content) and copies its assets from
    /// `library/<org>/assets/`. Returns the page's path relative to the root. O(page + assets).
    @discardableResult
    public func publish(
        batchID: String, org: String, item: WorkItem, outcome: ItemOutcome, published: Bool
    ) throws(Errno) -> String {
        let relative = Self.relativeFolder(org: org, batchID: batchID, item: item, published: published)
        let folder = Path.join(layout.root, relative)
        try ensureFolder(folder)
        let files = item.page?.assetFiles ?? []
        if !files.isEmpty {
            let assets = Path.join(folder, "assets")
            try ensureFolder(assets)
            let library = Path.join(layout.library(org: org), "assets")
            for file in files {
                // O_NOFOLLOW: a link in the library never leads out of it.
                guard let bytes = try FileSystem.readFile(Path.join(library, file)) else { continue }
                try AtomicFile.write(bytes, to: Path.join(assets, file), syncDirectory: false)
            }
            try FileSystem.syncDirectory(assets)
        }
        let page = Self.html(from: outcome.content ?? JSONObject(), title: item.page?.name ?? item.id ?? "Page")
        try AtomicFile.write(Array(page.utf8), to: Path.join(folder, "index.html"))
        return relative + "/index.html"
    }

    /// Creates `folder` and its missing parents, durably.
    private func ensureFolder(_ folder: String) throws(Errno) {
        if FileSystem.isDirectory(folder) { return }
        try FileSystem.createDirectory(folder)
        var parent = Path.parent(folder)
        while parent.count >= layout.root.count {
            try FileSystem.syncDirectory(parent)
            if parent == layout.outbox { break }
            parent = Path.parent(parent)
        }
    }

    /// The page of a generated content: its `html` as it is (a template's html variant, or a
    /// provider's page), else its `text` or `markdown` (or, for other copy, every variable in
    /// turn) escaped in a minimal self-contained HTML document titled `title`
    /// (``HTMLPage/document(from:title:)``). O(content).
    public static func html(from content: JSONObject, title: String) -> String {
        if case .string(let page)? = content["html"] { return page }
        var texts: [String] = []
        if case .string(let text)? = content["text"] ?? content["markdown"] {
            texts = [text]
        } else {
            for (_, value) in content.members { if case .string(let text) = value { texts.append(text) } }
        }
        return HTMLPage.document(from: texts.joined(separator: "\n\n"), title: title)
    }
}
