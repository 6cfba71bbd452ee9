import DeskKit
import Synchronization

/// Rendered copy kept for reuse: the same template version, variant, fields and attrs render to
/// the same text, so an item that allows it (`use_cache`) skips the render.
///
/// Keyed by org, template id and revision (its file's mtime, size and inode), variant, and the
/// serialized fields and attrs. A variant that mentions `item` is never cached (its text depends
/// on the recipient's ids). Entries live `ttlSeconds` (so an edited partial is seen within that
/// time); at `capacity` entries the cache starts over. O(size of the key) per lookup.
public final class RenderCache: Sendable {
    private struct Entry {
        var content: JSONObject
        var storedAt: UInt64
    }
    private let entries = Mutex<[String: Entry]>([:])
    /// The most entries kept.
    public let capacity: Int
    /// How long an entry is reused, in seconds.
    public let ttlSeconds: Double

    /// An empty cache.
    public init(capacity: Int = 10_000, ttlSeconds: Double = 300) {
        self.capacity = capacity
        self.ttlSeconds = ttlSeconds
    }

    /// The cache key of rendering `variant` of `template` for `item` of `org`.
    static func key(org: String, template: CopyTemplate, variant: String, item: WorkItem) -> String {
        var key = org + "\u{1F}" + template.id + "\u{1F}" + template.revision + "\u{1F}" + variant + "\u{1F}"
        key += JSONValue.object(item.fields).serializedString()
        key += "\u{1F}" + JSONValue.object(item.attrs).serializedString()
        return key
    }

    /// The content stored under `key` no longer ago than the TTL, at monotonic time `now`.
    func lookup(_ key: String, now: UInt64) -> JSONObject? {
        entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            if Double(now &- entry.storedAt) / 1e9 > ttlSeconds {
                entries[key] = nil
                return nil
            }
            return entry.content
        }
    }

    /// Stores `content` under `key`.
    func store(_ content: JSONObject, key: String, now: UInt64) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(content: content, storedAt: now)
        }
    }

    /// The number of entries.
    public var count: Int { entries.withLock { $0.count } }
}
