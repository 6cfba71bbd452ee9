import DeskKit
import Scheduling

/// Writes the native result: `outbox/<org>/<batch_id>.result.json`.
///
/// ```json
/// {"batch_id": "welcome-7f3a9c1e", "org": "default", "format": "native", "status": "completed",
///  "counts": {"total": 2, "generated": 1, "rejected": 1, ...},
///  "items": [{"index": 0, "id": "row-1", "status": "generated", "template_id": "welcome-email",
///             "copy_id": "a", "content": {"subject": "Hi Jane"}},
///            {"index": 1, "status": "rejected", "error": {"code": "INVALID_ITEM", ...}}]}
/// ```
/// A scheduled batch's result (written when its last item is final) also has `schedule` and
/// `warnings`, and each item its `scheduled_for` and, once published, `published` (the file's
/// path under the desk root) instead of repeating the content.
public enum NativeResultEncoder {
    /// The result document of a finished batch. O(n) in items.
    public static func encode(_ result: BatchResult) -> JSONValue {
        let request = result.request
        var o = JSONObject()
        o["batch_id"] = .string(result.batchID)
        o["org"] = .string(result.org)
        o["format"] = .string(request.format)
        o["status"] = .string(result.status.rawValue)
        o["counts"] = Progress(result.outcomes.map(\.state)).json
        if let key = request.idempotencyKey { o["idempotency_key"] = .string(key) }
        if let metadata = request.metadata { o["metadata"] = metadata }
        if request.schedule != .immediate {
            o["schedule"] = request.schedule.json
            o["warnings"] = .array(result.warnings.map(JSONValue.string))
        }
        o["completed_at"] = .string(result.completedAt.iso8601)
        let scheduled = !result.dueTimes.isEmpty
        o["items"] = .array(
            result.outcomes.map { outcome in
                guard scheduled, case .object(var item) = outcome.json else { return outcome.json }
                if result.dueTimes.indices.contains(outcome.index) {
                    item["scheduled_for"] = .string(result.dueTimes[outcome.index].iso8601)
                }
                if outcome.state == .published, request.items.indices.contains(outcome.index) {
                    item["content"] = nil
                    item["published"] = .string(
                        Publisher.relativePath(
                            org: result.org, batchID: result.batchID, item: request.items[outcome.index],
                            format: outcome.format))
                }
                return .object(item)
            })
        return .object(o)
    }
}
