import Synchronization

/// Where `include` and `render` find partials.
///
/// Implement `source(named:)`; the loaders of this module also cache parsed partials, and a
/// custom loader can do the same with a `TemplateCache`.
public protocol TemplateLoader: Sendable {
    /// The source of the partial `name`, or nil if there is none.
    func source(named name: String) throws(LiquidError) -> String?

    /// The parsed partial `name`, or nil if there is none. The default parses `source(named:)`.
    func template(named name: String, options: ParseOptions) throws(LiquidError) -> Template?
}

extension TemplateLoader {
    /// Parses `source(named:)` (no caching).
    public func template(named name: String, options: ParseOptions) throws(LiquidError) -> Template? {
        guard let source = try source(named: name) else { return nil }
        return try Template.parse(source, name: name, options: options)
    }
}

/// A thread-safe cache of parsed partials, by name, strictness and a version stamp (such as a
/// file's modification time and size).
public final class TemplateCache: Sendable {
    private struct Key: Hashable {
        let name: String
        let strict: Bool
    }

    private struct Entry {
        let stamp: [Int]
        let template: Template
    }

    private let entries = Mutex<[Key: Entry]>([:])

    /// An empty cache.
    public init() {}

    /// The cached partial `name` if its stamp is `stamp`; otherwise `load`s its source, parses
    /// it, and caches it. Nil if `load` finds nothing.
    public func template(
        named name: String, options: ParseOptions, stamp: [Int] = [],
        load: () throws(LiquidError) -> String?
    ) throws(LiquidError) -> Template? {
        let key = Key(name: name, strict: options.strict)
        if let entry = entries.withLock({ $0[key] }), entry.stamp == stamp { return entry.template }
        guard let source = try load() else { return nil }
        let template = try Template.parse(source, name: name, options: options)
        entries.withLock { $0[key] = Entry(stamp: stamp, template: template) }
        return template
    }

    /// Forgets every cached partial.
    public func removeAll() {
        entries.withLock { $0.removeAll() }
    }
}

/// Partials held in memory, by name (for tests and for templates stored elsewhere).
public final class InMemoryLoader: TemplateLoader {
    /// The partials' sources, by name.
    public let templates: [String: String]
    private let cache = TemplateCache()

    /// A loader of `templates` (name to source).
    public init(_ templates: [String: String]) {
        self.templates = templates
    }

    public func source(named name: String) throws(LiquidError) -> String? { templates[name] }

    public func template(named name: String, options: ParseOptions) throws(LiquidError) -> Template? {
        guard let source = templates[name] else { return nil }
        return try cache.template(named: name, options: options) { () throws(LiquidError) -> String? in source }
    }
}
