import DeskKit

/// The status document of a batch: `state/<org>/<batch_id>.status.json`.
///
/// ```json
/// {"batch_id": "welcome-7f3a9c1e", "org": "default", "status": "completed",
///  "progress": {"total": 2, "rejected": 1, "pending": 0, "generated": 1, ...},
///  "next_publish_time": null, "created_at": "…", "updated_at": "…", "completed_at": "…",
///  "source_file": "welcome.json", "result": "outbox/default/welcome-7f3a9c1e.result.json",
///  "duplicates": [{"file": "welcome-again.json", "at": "…"}],
///  "items": [{"index": 0, "id": "row-1", "status": "generated"}, …]}
/// ```
public struct BatchStatus: Sendable {
    /// The batch.
    public var batchID: String
    /// Its org.
    public var org: String
    /// The request format.
    public var format: String
    /// The file name it was dropped as.
    public var sourceFile: String
    /// Where it stands.
    public var state: BatchState
    /// When it was admitted.
    public var createdAt: Timestamp
    /// When it finished.
    public var completedAt: Timestamp?
    /// The client's idempotency key.
    public var idempotencyKey: String?
    /// Later drops of the same request: `{file, at}`.
    public var duplicates: [JSONValue] = []
    /// Every item's outcome so far, in request order.
    public var items: [ItemOutcome]

    /// A status.
    public init(
        batchID: String, org: String, format: String, sourceFile: String, state: BatchState, createdAt: Timestamp,
        idempotencyKey: String?, items: [ItemOutcome]
    ) {
        self.batchID = batchID
        self.org = org
        self.format = format
        self.sourceFile = sourceFile
        self.state = state
        self.createdAt = createdAt
        self.idempotencyKey = idempotencyKey
        self.items = items
    }

    /// The document, stamped `updatedAt`. O(n) in items.
    public func json(updatedAt: Timestamp) -> JSONValue {
        var o = JSONObject()
        o["batch_id"] = .string(batchID)
        o["org"] = .string(org)
        o["format"] = .string(format)
        o["status"] = .string(state.rawValue)
        o["progress"] = Progress(items.map(\.state)).json
        o["next_publish_time"] = .null
        o["created_at"] = .string(createdAt.iso8601)
        o["updated_at"] = .string(updatedAt.iso8601)
        o["completed_at"] = completedAt.map { .string($0.iso8601) } ?? .null
        o["source_file"] = .string(sourceFile)
        if let idempotencyKey { o["idempotency_key"] = .string(idempotencyKey) }
        o["result"] = .string("outbox/\(org)/\(batchID).result.json")
        o["duplicates"] = .array(duplicates)
        o["items"] = .array(
            items.map { item in
                var i = JSONObject()
                i["index"] = .int(item.index)
                if let id = item.id { i["id"] = .string(id) }
                i["status"] = .string(item.state.rawValue)
                if let copyID = item.copyID { i["copy_id"] = .string(copyID) }
                if let error = item.error { i["error"] = error.json }
                return .object(i)
            })
        return .object(o)
    }
}
