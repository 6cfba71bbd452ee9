#if canImport(Glibc)
import Glibc
#endif
import DeskKit
import Liquid
import Synchronization

/// Loads templates from `library/<org>/templates/`, parses each once, and reloads it when the
/// file changes.
///
/// The cache is keyed by path and validated by (mtime, size, inode) with one `stat(2)` per lookup,
/// so an edited template is picked up at once and an unchanged one is never parsed again. A broken
/// template is cached as its error. Shared by every worker; lookups are O(1) plus the `stat`.
public final class TemplateStore: Sendable {
    private struct Entry {
        var mtime: Int64
        var size: Int64
        var inode: UInt64
        var template: Result<CopyTemplate, DeskError>
    }

    private let layout: DeskLayout
    private let cache = Mutex<[String: Entry]>([:])
    private let partialLoaders = Mutex<[String: DirectoryLoader]>([:])

    /// A store reading the library of the desk `layout`.
    public init(layout: DeskLayout) {
        self.layout = layout
    }

    /// Where `include` and `render` find the partials of `org`: `library/<org>/templates/partials/`,
    /// as `<name>.liquid` (or `<name>`). One loader per org, shared by every worker, so a partial
    /// is parsed once and re-read only when its file changes. O(1) after the first call.
    public func partials(org: String) -> DirectoryLoader {
        partialLoaders.withLock { loaders in
            if let loader = loaders[org] { return loader }
            let loader = DirectoryLoader(directory: Path.join(layout.templates(org: org), "partials"))
            loaders[org] = loader
            return loader
        }
    }

    /// The template `id` of `org`, or the error that says why it cannot be used.
    ///
    /// `INVALID_ITEM` when `id` is not an id (``Path/isSafeID(_:maxBytes:)``: it could name a
    /// file outside the org's templates), `NOT_FOUND` when the org has no such template (another
    /// org's templates are never seen), `TEMPLATE_NOT_APPROVED` when it is not approved,
    /// `INVALID_TEMPLATE` when it is broken.
    public func template(org: String, id: String) -> Result<CopyTemplate, DeskError> {
        // The validator rejects such ids first; this keeps the store safe for any caller.
        guard Path.isSafeID(id), Path.isSafeID(org) else {
            return .failure(
                DeskError(
                    .invalidItem,
                    "template_id '\(id)' is not a valid id: use letters, digits, '.', '_' and '-' (no slashes, not starting with '.')",
                    field: "template_id"))
        }
        let path = Path.join(layout.templates(org: org), id + ".json")
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            return .failure(
                DeskError(.notFound, "template '\(id)' does not exist in library/\(org)/templates/", field: "template_id"))
        }
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        if let entry = cache.withLock({ $0[path] }), entry.mtime == mtime, entry.size == Int64(st.st_size),
            entry.inode == UInt64(st.st_ino)
        {
            return entry.template
        }
        var loaded = load(path: path, id: id)
        if case .success(var template) = loaded {
            template.revision = "\(mtime)-\(st.st_size)-\(st.st_ino)"
            loaded = .success(template)
        }
        cache.withLock {
            $0[path] = Entry(mtime: mtime, size: Int64(st.st_size), inode: UInt64(st.st_ino), template: loaded)
        }
        return loaded
    }

    private func load(path: String, id: String) -> Result<CopyTemplate, DeskError> {
        do throws(DeskError) {
            let json: JSONValue
            do throws(JSONFile.ReadError) {
                json = try JSONFile.read(path, limit: 4 << 20)
            } catch {
                throw error.deskError("template '\(id)'", tooLarge: .invalidTemplate, invalid: .invalidTemplate)
            }
            let template = try CopyTemplate(json: json, id: id)
            guard template.approved else {
                throw DeskError(
                    .templateNotApproved, "template '\(id)' is not approved: set \"approved\": true once it is reviewed",
                    field: "template_id")
            }
            return .success(template)
        } catch {
            return .failure(error)
        }
    }
}

extension DeskError.Code {
    /// The template exists but is not approved for use.
    public static let templateNotApproved = DeskError.Code(rawValue: "TEMPLATE_NOT_APPROVED")
}
