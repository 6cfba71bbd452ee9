import DeskKit

/// Writes bavlio's batch-enqueue response, exactly the documented members:
///
/// ```json
/// {"campaign_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "step_index": 2,
///  "batch_id": "5d0c8f4e-9a51-8c2b-a7e4-31f0b6d2c9aa",
///  "enqueued_lead_ids": ["a1b2c3d4-…", "…"], "prompt_version_hash": "9f2c4e1a7b3d5f60", "total": 2}
/// ```
/// - `batch_id` is documented as a UUID: it is ``uuid(of:)`` of copydesk's batch id, the same
///   every time. Copydesk's own id is the result's file name (`outbox/<org>/<batch_id>.result.json`),
///   and the status file carries both (`batch_id` and `bavlio_batch_id`).
/// - `enqueued_lead_ids` are the leads admitted, in campaign order (not those rejected at
///   admission); `total` is their number.
/// - `prompt_version_hash` is the batch's (``BatchResult/promptVersionHash``), else the first
///   provider outcome's, else `""`.
public enum BavlioResultEncoder {
    /// The response document. O(items).
    public static func encode(_ result: BatchResult) -> JSONValue {
        var byIndex: [Int: ItemOutcome] = [:]
        for outcome in result.outcomes { byIndex[outcome.index] = outcome }
        var enqueued: [JSONValue] = []
        for item in result.request.items where item.rejection == nil {
            if byIndex[item.index]?.state == .rejected { continue }
            enqueued.append(.string(item.id ?? ""))
        }
        let hash =
            result.promptVersionHash
            ?? result.outcomes.lazy.compactMap { $0.generation?["prompt_version_hash"]?.stringValue }.first ?? ""
        let metadata = result.request.metadata
        var o = JSONObject()
        o["campaign_id"] = .string(
            metadata?["campaign_id"]?.stringValue ?? result.request.prompt.campaignID ?? "")
        o["step_index"] = .int(metadata?["step_index"]?.intValue ?? 0)
        o["batch_id"] = .string(uuid(of: result.batchID))
        o["enqueued_lead_ids"] = .array(enqueued)
        o["prompt_version_hash"] = .string(hash)
        o["total"] = .int(enqueued.count)
        return .object(o)
    }

    /// A UUID-shaped id for copydesk's batch id: the first 16 bytes of its SHA-256, with the
    /// version (8, RFC 9562's custom/hash-based) and variant bits set, as
    /// `xxxxxxxx-xxxx-8xxx-[89ab]xxx-xxxxxxxxxxxx`. Deterministic: a restart answers the same.
    public static func uuid(of batchID: String) -> String {
        var bytes = Array(SHA256.hash(Array(batchID.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append("-") }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return out
    }

    /// The status document with `bavlio_batch_id` (the response's `batch_id`) after `batch_id`.
    public static func status(_ native: JSONObject) -> JSONObject {
        guard let batchID = native["batch_id"]?.stringValue else { return native }
        var o = JSONObject()
        for (key, value) in native.members {
            o[key] = value
            if key == "batch_id" { o["bavlio_batch_id"] = .string(uuid(of: batchID)) }
        }
        return o
    }
}

/// The bavlio playground-generate request (drafts of a campaign step for its leads) and its
/// documented batch-enqueue response.
public struct BavlioDialect: RequestDialect {
    public init() {}
    public var name: String { RequestFormat.bavlio }
    public func decode(_ document: JSONValue, context: DecodeContext) throws(DeskError) -> BatchRequest {
        try BavlioRequestDecoder.decode(document, context: context)
    }
    public func encodeResult(_ result: BatchResult) -> JSONValue { BavlioResultEncoder.encode(result) }
    /// The response acknowledges the items without their content, which is published.
    public var publishesImmediateBatches: Bool { true }
    public func statusDocument(_ status: JSONObject) -> JSONObject { BavlioResultEncoder.status(status) }
}
