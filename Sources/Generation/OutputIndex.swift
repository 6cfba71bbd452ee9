import DeskKit

/// Provider outputs stored by idempotency key: `state/<org>/outputs/<sha256 of the key>.json`.
///
/// An item with an idempotency key (bavlio's tuple: campaign, lead, prompt version hash, batch)
/// is looked up before its provider is called; a stored output is reused, so a second worker, a
/// retry or a re-admission after a crash is a no-op that pays for nothing. The first output
/// stored under a key wins: ``store(_:org:key:)`` creates the file with `link(2)` and, when
/// another worker got there first, hands back theirs, so every worker reports the same text.
public struct OutputIndex: Sendable {
    private let layout: DeskLayout

    /// The index of the desk `layout`.
    public init(layout: DeskLayout) {
        self.layout = layout
    }

    /// Where the output stored under `key` lives. O(length of the key).
    public func path(org: String, key: String) -> String {
        Path.join(layout.outputs(org: org), String(SHA256.hexDigest(Array(key.utf8)).prefix(40)) + ".json")
    }

    /// The output stored under `key`, as an outcome for `item`, or `nil` when there is none
    /// (or it cannot be read: the provider is then called again). One `open(2)` and `read(2)`.
    public func lookup(org: String, key: String, for item: WorkItem) -> ItemOutcome? {
        guard let document = try? JSONFile.read(path(org: org, key: key), limit: 64 << 20),
            document["key"]?.stringValue == key, let stored = document["outcome"].flatMap(ItemOutcome.init(json:))
        else { return nil }
        return Self.reused(stored, for: item)
    }

    /// Stores `outcome` under `key` unless an output is stored there already, and returns the
    /// outcome to use: `outcome`, or the one stored first. Temp file, `fsync`, `link(2)`, folder
    /// `fsync` (``AtomicFile/create(_:at:)``).
    public func store(_ outcome: ItemOutcome, org: String, key: String, at now: Timestamp) throws(Errno) -> ItemOutcome {
        let path = self.path(org: org, key: key)
        let document = JSONValue.object(
            JSONObject([("key", .string(key)), ("stored_at", .string(now.iso8601)), ("outcome", outcome.json)]))
        try FileSystem.ensureDirectory(Path.parent(path))
        if try AtomicFile.create(document.serialized(pretty: false), at: path) { return outcome }
        return lookup(org: org, key: key, for: WorkItem(index: outcome.index, id: outcome.id)) ?? outcome
    }

    /// `stored` as the outcome of `item`, marked `reused` in its generation record.
    static func reused(_ stored: ItemOutcome, for item: WorkItem) -> ItemOutcome {
        var outcome = stored
        outcome.index = item.index
        outcome.id = item.id
        var generation = outcome.generation ?? JSONObject()
        generation["reused"] = .bool(true)
        outcome.generation = generation
        return outcome
    }
}
