import DeskKit

/// Writes tented's 202 bulk-job response, one entry per item in request order:
///
/// ```json
/// {"bulk_job_id": "onboarding-1f0c2a9b", "status": "accepted", "template_id": "tpl_01JABC123XYZ",
///  "auto_publish": true, "accepted_count": 1, "rejected_count": 1,
///  "items": [{"index": 0, "client_item_id": "acme-row-001", "tent_id": "b6f8d617-…",
///             "tent_name": "Acme Onboarding Page 1", "custom_page_alias": "acme-onboarding-jane",
///             "status": "accepted"},
///            {"index": 1, "client_item_id": "acme-row-002", "status": "rejected",
///             "error_code": "INVALID_ITEM", "message": "Invalid custom_page_alias: …"}],
///  "metadata": {"source": "crm-import"}, "created_at": "2026-03-25T14:30:00.000Z"}
/// ```
/// The answer is about admission: an item is `accepted` unless it was rejected at admission
/// (`INVALID_ITEM`, `NOT_FOUND`, `INSUFFICIENT_CREDITS`); what became of an accepted item
/// (published, or failed in generation) is in the batch's status. `status` is `accepted` when
/// at least one item was, else `rejected`. `client_item_id` and `custom_page_alias` appear when
/// the request gave them, `metadata` when it had some.
public enum TentedResultEncoder {
    /// The response document. O(items).
    public static func encode(_ result: BatchResult) -> JSONValue {
        var entries: [JSONValue] = []
        entries.reserveCapacity(result.request.items.count)
        var accepted = 0
        for item in result.request.items {
            var entry = JSONObject()
            entry["index"] = .int(item.index)
            if let client = item.page?.clientItemID { entry["client_item_id"] = .string(client) }
            if let error = item.rejection {
                entry["status"] = "rejected"
                entry["error_code"] = .string(error.code.rawValue)
                entry["message"] = .string(error.message)
            } else {
                accepted += 1
                if let id = item.id { entry["tent_id"] = .string(id) }
                if let name = item.page?.name { entry["tent_name"] = .string(name) }
                if let alias = item.page?.customAlias { entry["custom_page_alias"] = .string(alias) }
                entry["status"] = "accepted"
            }
            entries.append(.object(entry))
        }
        var o = JSONObject()
        o["bulk_job_id"] = .string(result.batchID)
        o["status"] = accepted > 0 ? "accepted" : "rejected"
        if let template = result.request.items.first?.templateID { o["template_id"] = .string(template) }
        o["auto_publish"] = .bool(result.request.publish)
        o["accepted_count"] = .int(accepted)
        o["rejected_count"] = .int(result.request.items.count - accepted)
        o["items"] = .array(entries)
        if let metadata = result.request.metadata { o["metadata"] = metadata }
        o["created_at"] = .string((result.createdAt ?? result.completedAt).iso8601)
        return .object(o)
    }
}

/// The tented bulk-tents request (1 to 25 personalised pages from one template) and its 202
/// response. Its pages are published by the desk into `outbox/<org>/published/site/<alias>/`.
public struct TentedDialect: RequestDialect {
    public init() {}
    public var name: String { RequestFormat.tented }
    public func decode(_ document: JSONValue, context: DecodeContext) throws(DeskError) -> BatchRequest {
        try TentedRequestDecoder.decode(document, context: context)
    }
    public func encodeResult(_ result: BatchResult) -> JSONValue { TentedResultEncoder.encode(result) }
    /// The status leads with `bulk_job_id`, the id the 202 response gave for polling.
    public func statusDocument(_ status: JSONObject) -> JSONObject {
        var o = JSONObject()
        o["bulk_job_id"] = status["batch_id"] ?? .null
        for (key, value) in status.members { o[key] = value }
        return o
    }
}
