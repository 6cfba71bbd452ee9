/// Partials held in memory, by name (for tests and for templates stored elsewhere).
public final class InMemoryLoader: TemplateLoader {
    /// The partials' sources, by name.
    public let templates: [String: String]
    private let cache = TemplateCache()

    /// A loader of `templates` (name to source).
    public init(_ templates: [String: String]) {
        self.templates = templates
    }

    /// The source of the partial `name`, or nil.
    public func source(named name: String) throws(LiquidError) -> String? { templates[name] }

    /// The parsed partial `name` (parsed once), or nil.
    public func template(named name: String, options: ParseOptions) throws(LiquidError) -> Template? {
        guard let source = templates[name] else { return nil }
        // The sources never change: one identity serves them all.
        let identity = FileIdentity(modified: 0, size: 0, inode: 0)
        return try cache.template(path: name, identity: identity, name: name, options: options) {
            () throws(LiquidError) -> (source: String, identity: FileIdentity) in (source, identity)
        }
    }
}
