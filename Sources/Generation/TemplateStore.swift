import DeskKit
import Liquid
import Synchronization

/// Loads templates from `library/<org>/templates/`, parses each once, and reloads it when the
/// file changes; gives each org the loader of its partials.
///
/// Templates and partials share one ``TemplateCache`` (``cache``), keyed by the file's path and
/// validated by its (mtime, size, inode) with one `stat(2)` per lookup, so an edited template or
/// partial is picked up by the very next render and an unchanged one is never parsed again. A
/// broken template is cached as its error. Shared by every worker; lookups are O(1) plus the `stat`.
public final class TemplateStore: Sendable {
    private let layout: DeskLayout
    private let partialLoaders = Mutex<[String: DirectoryLoader]>([:])
    /// The one cache of parsed templates and partials, of every org, shared by every worker.
    public let cache = TemplateCache()

    /// A store reading the library of the desk `layout`.
    public init(layout: DeskLayout) {
        self.layout = layout
    }

    /// Where `include` and `render` find the partials of `org`: `library/<org>/templates/partials/`,
    /// as `<name>.liquid` (or `<name>`). One loader per org, each keeping partials in the store's
    /// ``cache``, so a partial is parsed once for every worker and again only when its file
    /// changes. O(1) after the first call.
    public func partials(org: String) -> DirectoryLoader {
        partialLoaders.withLock { loaders in
            if let loader = loaders[org] { return loader }
            let loader = DirectoryLoader(directory: Path.join(layout.templates(org: org), "partials"), cache: cache)
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
        guard let identity = FileIdentity(path: path) else {
            return .failure(
                DeskError(
                    .notFound, "template '\(id)' does not exist in library/\(org)/templates/", field: "template_id"))
        }
        return cache.value(path: path, identity: identity) {
            () -> (value: Result<CopyTemplate, DeskError>, identity: FileIdentity) in
            var loaded = load(path: path, id: id)
            if case .success(var template) = loaded {
                template.revision = "\(identity.modified)-\(identity.size)-\(identity.inode)"
                loaded = .success(template)
            }
            return (loaded, identity)
        }
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
                    .templateNotApproved,
                    "template '\(id)' is not approved: set \"approved\": true once it is reviewed",
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
