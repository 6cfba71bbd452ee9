import DeskKit

/// Writes the justwords batch-generate response: an object keyed by template id, each entry the
/// Generate endpoint's response.
///
/// ```json
/// {"welcome-email": {"tracking_id": "msg_001", "copy": {"id": "warm", "vars": {"subject": "Welcome, Alice!"}}},
///  "follow-up-day3": {"tracking_id": "msg_002", "error": {"code": "NOT_FOUND", "message": "…"}}}
/// ```
/// An entry that failed has `error` `{code, message, field?}` instead of `copy`. An entry that
/// cannot be keyed by its template id (none given, or a template named twice) is keyed
/// `requests[<index>]`, which no template id can be. With `trace: true` each generated entry
/// also has `trace`, the decision.
public enum JustwordsResultEncoder {
    /// The response document. O(n) in the requests.
    public static func encode(request: BatchRequest, outcomes: [ItemOutcome]) -> JSONValue {
        var response = JSONObject()
        var byIndex: [Int: ItemOutcome] = [:]
        for outcome in outcomes { byIndex[outcome.index] = outcome }
        for item in request.items {
            let key: String
            if let templateID = item.templateID, !templateID.contains("["), response[templateID] == nil {
                key = templateID
            } else {
                key = "requests[\(item.index)]"
            }
            var entry = JSONObject()
            entry["tracking_id"] = item.trackingID.map(JSONValue.string) ?? .null
            let outcome = byIndex[item.index]
            if let outcome, outcome.state == .generated || outcome.state == .published, let content = outcome.content {
                entry["copy"] = ["id": .string(outcome.copyID ?? ""), "vars": .object(content)]
                if let trace = outcome.trace { entry["trace"] = trace }
            } else {
                let error =
                    outcome?.error ?? item.rejection
                    ?? DeskError(
                        .invalidItem, "the request was not generated (\(outcome?.state.rawValue ?? "unknown"))")
                var e = JSONObject()
                e["code"] = .string(error.code.rawValue)
                e["message"] = .string(error.message)
                if let field = error.field { e["field"] = .string(field) }
                entry["error"] = .object(e)
            }
            response[key] = .object(entry)
        }
        return .object(response)
    }
}
