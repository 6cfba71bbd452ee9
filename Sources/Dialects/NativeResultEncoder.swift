import DeskKit

/// Writes the native result: `outbox/<org>/<batch_id>.result.json`.
///
/// ```json
/// {"batch_id": "welcome-7f3a9c1e", "org": "default", "format": "native", "status": "completed",
///  "counts": {"total": 2, "generated": 1, "rejected": 1, ...},
///  "items": [{"index": 0, "id": "row-1", "status": "generated", "template_id": "welcome-email",
///             "copy_id": "a", "content": {"subject": "Hi Jane"}},
///            {"index": 1, "status": "rejected", "error": {"code": "INVALID_ITEM", ...}}]}
/// ```
public enum NativeResultEncoder {
    /// The result document of a finished batch.
    public static func encode(
        batchID: String, org: String, status: BatchState, request: BatchRequest, outcomes: [ItemOutcome],
        completedAt: Timestamp
    ) -> JSONValue {
        var o = JSONObject()
        o["batch_id"] = .string(batchID)
        o["org"] = .string(org)
        o["format"] = .string(request.format)
        o["status"] = .string(status.rawValue)
        o["counts"] = Progress(outcomes.map(\.state)).json
        if let key = request.idempotencyKey { o["idempotency_key"] = .string(key) }
        if let metadata = request.metadata { o["metadata"] = metadata }
        o["completed_at"] = .string(completedAt.iso8601)
        o["items"] = .array(outcomes.map(\.json))
        return .object(o)
    }
}
