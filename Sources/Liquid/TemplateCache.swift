import Synchronization

/// A thread-safe cache of what is made from template files, by the file's path, each entry valid
/// for one version of its file (a ``FileIdentity``: modification time, size, inode).
///
/// One cache can serve every loader and worker of a process: the daemon's template store hands
/// its own to the partials loader of each org and keeps its templates in it too, so a file is
/// parsed once for all of them and parsed again only when it changes. The caller gives the
/// file's identity at each lookup (one `stat(2)`), so an edit is seen by the very next lookup.
/// A lookup is O(length of the path) under a lock; parsing happens outside it, so two workers
/// missing at once may both parse (both results are the same).
public final class TemplateCache: Sendable {
    /// What an entry is for: a file, and for a parsed template, its name and strictness.
    private struct Key: Hashable {
        let path: String
        let name: String
        let strict: Bool
        let isTemplate: Bool
    }

    /// A cached value, made from one version of its file.
    private struct Entry {
        enum Content {
            case template(Result<Template, LiquidError>)
            case other(any Sendable)
        }
        let identity: FileIdentity
        let content: Content
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var hits = 0
        var parses = 0
    }

    private let state = Mutex(State())

    /// An empty cache.
    public init() {}

    /// Lookups answered from the cache.
    public var hits: Int { state.withLock { $0.hits } }

    /// Values made because none was cached for the file's version: templates parsed (and, for
    /// ``value(path:identity:make:)``, values made).
    public var parses: Int { state.withLock { $0.parses } }

    /// The number of entries.
    public var count: Int { state.withLock { $0.entries.count } }

    /// The template parsed from the file at `path` as `name`, if its version is `identity`;
    /// otherwise `load` reads the file (giving its source and the identity of the version read),
    /// and the source is parsed and cached under that identity.
    ///
    /// A syntax error is cached too: a broken file is not parsed again until it changes. An error
    /// of `load` is not cached.
    public func template(
        path: String, identity: FileIdentity, name: String, options: ParseOptions,
        load: () throws(LiquidError) -> (source: String, identity: FileIdentity)
    ) throws(LiquidError) -> Template {
        let key = Key(path: path, name: name, strict: options.strict, isTemplate: true)
        if case .template(let cached)? = cached(key, identity) { return try cached.get() }
        let (source, read) = try load()
        let parsed: Result<Template, LiquidError>
        do throws(LiquidError) {
            parsed = .success(try Template.parse(source, name: name, options: options))
        } catch {
            parsed = .failure(error)
        }
        store(key, Entry(identity: read, content: .template(parsed)))
        return try parsed.get()
    }

    /// The value made from the file at `path`, if its version is `identity` and it is a `Value`;
    /// otherwise `make` makes it (giving the value and the identity of the version it read), and
    /// it is cached under that identity. For what a caller makes of a file beside templates.
    public func value<Value: Sendable, Failure: Error>(
        path: String, identity: FileIdentity, make: () throws(Failure) -> (value: Value, identity: FileIdentity)
    ) throws(Failure) -> Value {
        let key = Key(path: path, name: "", strict: false, isTemplate: false)
        if case .other(let cached as Value)? = cached(key, identity) { return cached }
        let (value, read) = try make()
        store(key, Entry(identity: read, content: .other(value)))
        return value
    }

    /// Forgets every entry (the counters stay).
    public func removeAll() {
        state.withLock { $0.entries.removeAll() }
    }

    /// The content cached for `key` if it was made from the version `identity`, counting a hit.
    private func cached(_ key: Key, _ identity: FileIdentity) -> Entry.Content? {
        state.withLock { state in
            guard let entry = state.entries[key], entry.identity == identity else { return nil }
            state.hits += 1
            return entry.content
        }
    }

    /// Caches `entry` under `key`, counting a parse.
    private func store(_ key: Key, _ entry: Entry) {
        state.withLock { state in
            state.parses += 1
            state.entries[key] = entry
        }
    }
}
