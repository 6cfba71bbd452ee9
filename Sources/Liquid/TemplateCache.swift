import Synchronization

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
