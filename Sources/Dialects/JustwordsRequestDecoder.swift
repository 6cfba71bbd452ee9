import DeskKit

/// Decodes a justwords batch-generate request (shared/seeds/000): up to 20 `requests` of
/// `{template_id, copy_id?, bucket_name?, tracking_id?}` with shared `attrs`, `fields`, `user_id`,
/// `lookback_days`, `offset_days`, `use_cache` (default true), `epsilon` and `trace`.
///
/// One item per request entry, in order. No entries, or a shared field of the wrong type, is
/// `INVALID_REQUEST`; more than 20 entries is `TOO_MANY_ITEMS`. An entry without a string
/// `template_id`, or naming a template an earlier entry already named (the response is keyed by
/// template id, so it could not be told apart), is rejected on its own (`INVALID_ITEM`). An entry
/// without a `tracking_id` is given `<batch_id>.<index>`, so its events can still be joined.
public enum JustwordsRequestDecoder {
    /// The most requests one batch-generate call may hold.
    public static var maxRequests: Int { RequestFormat.itemCap(of: RequestFormat.justwords) ?? 20 }

    /// Decodes `document`, which ``RequestFormat/detect(_:)`` recognised as justwords.
    public static func decode(_ document: JSONValue, context: DecodeContext) throws(DeskError) -> BatchRequest {
        guard case .object(let root) = document else {
            throw DeskError(.invalidRequest, "a request must be a JSON object")
        }
        guard case .array(let entries)? = root["requests"] else {
            throw DeskError(.invalidRequest, "requests must be an array of {template_id, …}", field: "requests")
        }
        guard !entries.isEmpty else {
            throw DeskError(.invalidRequest, "requests is empty: give 1 to \(maxRequests) requests", field: "requests")
        }
        guard entries.count <= maxRequests else {
            throw DeskError(
                .tooManyItems,
                "requests has \(entries.count) entries; batch-generate takes at most \(maxRequests): split it into several files",
                field: "requests")
        }
        func object(_ key: String) throws(DeskError) -> JSONObject {
            guard let v = root[key], !v.isNull else { return JSONObject() }
            guard case .object(let o) = v else {
                throw DeskError(.invalidRequest, "\(key) must be an object, not \(v.typeName)", field: key)
            }
            return o
        }
        let attrs = try object("attrs")
        let fields = try object("fields")
        var userID: String?
        switch root["user_id"] {
        case nil, .null?: break
        case .string(let s)?: userID = s
        case .int(let i)?: userID = String(i)
        case let v?:
            throw DeskError(.invalidRequest, "user_id must be a string, not \(v.typeName)", field: "user_id")
        }
        let options = try ChoiceOptionsDecoder.decode(root, useCache: true)

        var items: [WorkItem] = []
        var seen: [String: Int] = [:]
        for (index, entry) in entries.enumerated() {
            let path = "requests[\(index)]"
            var item = WorkItem(
                index: index, userID: userID, trackingID: "\(context.batchID).\(index)", fields: fields, attrs: attrs,
                options: options)
            guard case .object(let o) = entry else {
                item.rejection = DeskError(
                    .invalidItem, "\(path) must be an object, not \(entry.typeName)", field: path)
                items.append(item)
                continue
            }
            do throws(DeskError) {
                func text(_ key: String, integer: Bool = false) throws(DeskError) -> String? {
                    switch o[key] {
                    case nil, .null?: return nil
                    case .string(let s)?: return s
                    case .int(let i)? where integer: return String(i)
                    case let v?:
                        throw DeskError(
                            .invalidItem, "\(path).\(key) must be a string, not \(v.typeName)", field: "\(path).\(key)")
                    }
                }
                item.templateID = try text("template_id")
                item.copyID = try text("copy_id")
                item.bucket = try text("bucket_name")
                if let tracking = try text("tracking_id", integer: true) { item.trackingID = tracking }
                guard let templateID = item.templateID else {
                    throw DeskError(.invalidItem, "\(path) has no template_id", field: "\(path).template_id")
                }
                if let first = seen[templateID] {
                    throw DeskError(
                        .invalidItem,
                        "\(path) names template '\(templateID)' again (first at requests[\(first)]); the response holds one entry per template",
                        field: "\(path).template_id")
                }
                seen[templateID] = index
            } catch {
                item.rejection = error
            }
            items.append(item)
        }
        return BatchRequest(format: RequestFormat.justwords, items: items)
    }
}
