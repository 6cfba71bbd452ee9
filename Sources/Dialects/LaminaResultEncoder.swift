import DeskKit

/// Writes lamina's batch-create-content response, one entry per item in request order:
///
/// ```json
/// {"data": {"batchId": "launch-1f0c2a9b", "total": 3, "queued": 2, "failed": 1,
///           "items": [{"index": 0, "status": "queued", "runId": "launch-1f0c2a9b-0",
///                      "workflowId": "offline-image", "workflowName": "copydesk offline image"},
///                     {"index": 2, "status": "failed", "error": "no provider serves video for org acme"}]}}
/// ```
/// An item that was generated or published, or is still on its way (pending, generating,
/// publishing), is `queued`, with its run id (``LaminaRequestDecoder/runID(batchID:index:)``)
/// and the provider that serves it: `workflowId` `<provider>-<modality>`, `workflowName`
/// `copydesk <provider> <modality>` (the provider from the outcome's `generation`, `copydesk`
/// before it has one). An item rejected at admission, failed or cancelled is `failed` with its
/// error message.
public enum LaminaResultEncoder {
    /// The response document. O(items).
    public static func encode(_ result: BatchResult) -> JSONValue {
        var byIndex: [Int: ItemOutcome] = [:]
        for outcome in result.outcomes { byIndex[outcome.index] = outcome }
        var entries: [JSONValue] = []
        entries.reserveCapacity(result.request.items.count)
        var queued = 0
        var failed = 0
        for item in result.request.items {
            let outcome = byIndex[item.index]
            var entry = JSONObject()
            entry["index"] = .int(item.index)
            if let error = failure(of: item, outcome: outcome) {
                failed += 1
                entry["status"] = "failed"
                entry["error"] = .string(error)
            } else {
                queued += 1
                let provider = outcome?.generation?["provider"]?.stringValue ?? "copydesk"
                entry["status"] = "queued"
                entry["runId"] = .string(
                    item.id ?? LaminaRequestDecoder.runID(batchID: result.batchID, index: item.index))
                entry["workflowId"] = .string("\(provider)-\(item.modality)")
                entry["workflowName"] = .string("copydesk \(provider) \(item.modality)")
            }
            entries.append(.object(entry))
        }
        var data = JSONObject()
        data["batchId"] = .string(result.batchID)
        data["total"] = .int(result.request.items.count)
        data["queued"] = .int(queued)
        data["failed"] = .int(failed)
        data["items"] = .array(entries)
        return ["data": .object(data)]
    }

    /// The error text of an item that did not go through, or `nil` for a queued one.
    static func failure(of item: WorkItem, outcome: ItemOutcome?) -> String? {
        if let rejection = item.rejection { return rejection.message }
        guard let outcome else { return "the item has no outcome: it was never processed" }
        switch outcome.state {
        case .pending, .generating, .generated, .publishing, .published:
            return nil
        case .rejected, .failed:
            return outcome.error?.message ?? "the item was \(outcome.state.rawValue)"
        case .cancelled:
            return outcome.error?.message ?? "the batch was cancelled before the item was generated"
        }
    }
}

/// The lamina batch-create-content request (1 to 10 briefs) and its documented response.
public struct LaminaDialect: RequestDialect {
    public init() {}
    public var name: String { RequestFormat.lamina }
    public func decode(_ document: JSONValue, context: DecodeContext) throws(DeskError) -> BatchRequest {
        try LaminaRequestDecoder.decode(document, context: context)
    }
    public func encodeResult(_ result: BatchResult) -> JSONValue { LaminaResultEncoder.encode(result) }
    /// The response acknowledges the items without their content, which is published.
    public var publishesImmediateBatches: Bool { true }
}
