import DeskKit
import Dialects
import Generation
import Validation

/// `copydesk validate`: what copydesk would do with a request file, without doing it.
public struct DryRun: Sendable {
    /// The verdict on one item.
    public struct ItemVerdict: Sendable {
        public var index: Int
        public var id: String?
        public var error: DeskError?
    }

    /// The file checked.
    public var file: String
    /// The whole-file error, if the file would be rejected.
    public var fileError: DeskError?
    /// Each item's verdict, when the file would be admitted.
    public var items: [ItemVerdict] = []

    /// Whether anything would be rejected.
    public var hasErrors: Bool { fileError != nil || items.contains { $0.error != nil } }

    /// Checks the request at `path` as the desk would, with `configuration`'s limits; with a
    /// `layout`, the templates each item names are looked up (and rendered) in the org `org`.
    public init(path: String, configuration: DeskConfiguration, layout: DeskLayout?, org: String = DeskLayout.defaultOrg) {
        file = path
        do throws(DeskError) {
            guard FileSystem.exists(path) else { throw DeskError(.notFound, "\(path) does not exist") }
            if let st = try? FileSystem.linkStatus(path), FileSystem.kind(of: st) != .file {
                throw DeskError(.unsupportedFile, "\(path) is not a regular file (a link, folder or device)")
            }
            guard Path.extension(path) == "json", !EventsProcessor.isEventsFile(path) else {
                throw DeskError(.unknownFormat, "copydesk validate takes request files named *.json (not events files)")
            }
            let document: JSONValue
            do throws(JSONFile.ReadError) {
                document = try JSONFile.read(path, limit: configuration.maxFileBytes, maxDepth: configuration.maxDepth)
            } catch {
                throw error.deskError(path, tooLarge: .tooLarge, invalid: .invalidJSON)
            }
            try document.checkStringLengths(maxBytes: configuration.maxStringBytes)
            guard let dialect = RequestFormat.dialect(for: document) else {
                throw DeskError(.unknownFormat, RequestFormat.unknownFormatMessage)
            }
            let context = DecodeContext(
                batchID: "dry-run", org: org, fileName: Path.name(path), library: layout?.library(org: org))
            let request = try Validator(maxItems: configuration.maxItems).validate(
                try dialect.decode(document, context: context))
            let generator = layout.map {
                ContentGenerator(templates: TemplateStore(layout: $0), maxOutputBytes: configuration.maxOutputBytes)
            }
            let providers = try? ProviderRegistry(settings: configuration.providers)
            items = request.items.map { item in
                var error = item.rejection
                if error == nil, item.usesProvider || generator?.writesWithProvider(item, org: org) == true {
                    // A dry run never calls a provider: it checks that one serves the item.
                    if case .failure(let e) = providers?.provider(for: item.modality, org: org) { error = e }
                } else if error == nil, let generator {
                    error = generator.generate(item, org: org).error
                }
                return ItemVerdict(index: item.index, id: item.id, error: error)
            }
        } catch {
            fileError = error
        }
    }

    /// The report printed for a person.
    public var text: String {
        if let fileError { return "\(file): rejected: \(fileError)\n" }
        let bad = items.filter { $0.error != nil }.count
        var out = "\(file): \(items.count - bad) of \(items.count) items ok\n"
        for item in items {
            let label = "  item \(item.index)" + (item.id.map { " (\($0))" } ?? "")
            out += label + ": " + (item.error.map { "\($0)" } ?? "ok") + "\n"
        }
        return out
    }
}
