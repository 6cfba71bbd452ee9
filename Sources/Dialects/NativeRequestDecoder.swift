import DeskKit
import Scheduling

/// Decodes a native request (DESIGN.md section 3) into a ``BatchRequest``.
///
/// A problem with the request as a whole throws `INVALID_REQUEST` naming the field; a problem
/// with one item rejects that item only (`INVALID_ITEM`), so the rest of the batch goes ahead.
public enum NativeRequestDecoder {
    /// Decodes `document`, which ``RequestFormat/detect(_:)`` recognised as native.
    public static func decode(_ document: JSONValue) throws(DeskError) -> BatchRequest {
        guard case .object(let root) = document else {
            throw DeskError(.invalidRequest, "a request must be a JSON object")
        }
        let templateID = try optionalString(root, "template_id")
        let idempotencyKey = try optionalString(root, "idempotency_key")
        if let idempotencyKey, idempotencyKey.isEmpty {
            throw DeskError(.invalidRequest, "idempotency_key must not be empty", field: "idempotency_key")
        }
        var defaultFields = JSONObject()
        var defaultAttrs = JSONObject()
        var prompt = PromptSettings()
        if let defaults = root["defaults"] {
            guard case .object(let d) = defaults else {
                throw DeskError(
                    .invalidRequest, "defaults must be an object, not \(defaults.typeName)", field: "defaults")
            }
            defaultFields = try optionalObject(d, "fields", path: "defaults.fields") ?? JSONObject()
            defaultAttrs = try optionalObject(d, "attrs", path: "defaults.attrs") ?? JSONObject()
            // The writing defaults and prompt parts of prompt items.
            for key in PromptSettings.defaultKeys {
                if let value = d[key], !value.isNull { prompt.defaults[key] = value }
            }
            prompt.campaignSystemPrompt = try optionalString(d, "system_prompt", path: "defaults")
            prompt.brandID = try optionalString(d, "brand_id", path: "defaults")
        }
        var publish = true
        if let p = root["publish"] {
            guard case .bool(let b) = p else {
                throw DeskError(.invalidRequest, "publish must be true or false, not \(p.typeName)", field: "publish")
            }
            publish = b
        }
        var schedule = Schedule.immediate
        if let value = root["schedule"], !value.isNull {
            schedule = try Schedule(json: value, keys: .native)
        }
        let itemsFrom = try itemsFromName(root)
        let options = try ChoiceOptionsDecoder.decode(root, useCache: false)
        let fallback: JSONValue? = itemsFrom == nil ? nil : .array([])
        guard let itemsValue = root["items"] ?? fallback else {
            throw DeskError(
                .invalidRequest, "the request has no \"items\" array (nor an \"items_from\" file)", field: "items")
        }
        guard case .array(let itemValues) = itemsValue else {
            throw DeskError(.invalidRequest, "items must be an array, not \(itemsValue.typeName)", field: "items")
        }
        var items: [WorkItem] = []
        items.reserveCapacity(itemValues.count)
        for (index, value) in itemValues.enumerated() {
            items.append(
                decodeItem(
                    value, index: index, templateID: templateID, defaultFields: defaultFields,
                    defaultAttrs: defaultAttrs, options: options))
        }
        var request = BatchRequest(
            format: RequestFormat.native, idempotencyKey: idempotencyKey, publish: publish, metadata: root["metadata"],
            schedule: schedule, items: items, prompt: prompt)
        request.itemsFrom = itemsFrom
        // Only a `publish` written out publishes an immediate batch (README, "Scheduling and
        // publishing"); the default `true` leaves it answered in its result.
        request.publishImmediately = root["publish"] == .bool(true)
        return request
    }

    /// What each row of the request's `items_from` file (or of a routed file) starts from: the
    /// request's `template_id`, `defaults.fields`, `defaults.attrs` and choice options. Call it on
    /// a document ``decode(_:)`` accepted.
    public static func itemDefaults(_ document: JSONValue) throws(DeskError) -> ItemsFromReader.Defaults {
        guard case .object(let root) = document else { return ItemsFromReader.Defaults() }
        var defaults = ItemsFromReader.Defaults(
            templateID: try optionalString(root, "template_id"),
            options: try ChoiceOptionsDecoder.decode(root, useCache: false))
        if case .object(let d)? = root["defaults"] {
            defaults.fields = try optionalObject(d, "fields", path: "defaults.fields") ?? JSONObject()
            defaults.attrs = try optionalObject(d, "attrs", path: "defaults.attrs") ?? JSONObject()
        }
        return defaults
    }

    /// Appends the rows of the CSV or JSONL file at `path` (shown as `displayName`) to `request`,
    /// which ``decode(_:)`` made from `document`, as items after its own; at most `limit` items in
    /// all. Returns the file's hex SHA-256. Throws `INVALID_REQUEST` when the file has no rows,
    /// `TOO_MANY_ITEMS` past the limit. Streamed: O(n) time in the file, memory for the items only.
    public static func appendRows(
        to request: inout BatchRequest, document: JSONValue, path: String, displayName: String, limit: Int
    ) throws(DeskError) -> String {
        guard let format = ItemsFromReader.Format(name: displayName) else {
            throw DeskError(.unknownFormat, "\(displayName) is neither a .csv nor a .jsonl file", field: "items_from")
        }
        let output = try ItemsFromReader.read(
            path: path, displayName: displayName, format: format, defaults: try itemDefaults(document),
            into: &request.items, limit: max(0, limit - request.items.count))
        if output.count == 0 {
            throw DeskError(
                .invalidRequest,
                format == .csv
                    ? "\(displayName) has no rows: a CSV needs a header line naming the columns, then one line per item"
                    : "\(displayName) has no lines: a JSONL file holds one JSON object per line, one per item",
                field: "items_from")
        }
        return output.hexDigest
    }

    /// The checked `items_from` name, or `nil`; throws `INVALID_REQUEST` naming the field when it
    /// is not one safe `.csv` or `.jsonl` name in the request's own folder.
    private static func itemsFromName(_ root: JSONObject) throws(DeskError) -> String? {
        guard let value = root["items_from"], !value.isNull else { return nil }
        guard case .string(let name) = value else {
            throw DeskError(
                .invalidRequest,
                "items_from must be the name of a CSV or JSONL file beside the request, not \(value.typeName)",
                field: "items_from")
        }
        guard ItemsFromReader.isSafeName(name) else {
            throw DeskError(
                .invalidRequest,
                "items_from must be the plain name of a .csv or .jsonl file in the request's own inbox folder (no '/', no '..' or leading dot, no control characters, at most 128 bytes, not *.events.jsonl), like \"leads.csv\"",
                field: "items_from")
        }
        return name
    }

    private static func decodeItem(
        _ value: JSONValue, index: Int, templateID: String?, defaultFields: JSONObject, defaultAttrs: JSONObject,
        options: ChoiceOptions
    ) -> WorkItem {
        let path = "items[\(index)]"
        guard case .object(let o) = value else {
            return WorkItem(
                index: index,
                rejection: DeskError(.invalidItem, "an item must be an object, not \(value.typeName)", field: path))
        }
        var item = WorkItem(index: index, options: options)
        do throws(DeskError) {
            item.id = try optionalID(o, "id", path: path)
            item.userID = try optionalID(o, "user_id", path: path)
            item.trackingID = try optionalID(o, "tracking_id", path: path)
            item.templateID = try optionalString(o, "template_id", path: path) ?? templateID
            item.copyID = try optionalString(o, "copy_id", path: path)
            item.bucket = try optionalString(o, "bucket_name", path: path)
            item.topic = try optionalString(o, "topic", path: path)
            if item.topic == nil { item.topic = try optionalString(o, "brief", path: path) }
            item.modality = try optionalString(o, "modality", path: path) ?? "text"
            item.customPrompt = try optionalString(o, "custom_prompt", path: path)
            item.brandID = try optionalString(o, "brand_id", path: path)
            item.instructions = try optionalString(o, "instructions", path: path)
            item.fields = overlay(defaultFields, try optionalObject(o, "fields", path: path + ".fields"))
            item.attrs = overlay(defaultAttrs, try optionalObject(o, "attrs", path: path + ".attrs"))
        } catch {
            item.rejection = DeskError(.invalidItem, error.message, field: error.field)
            return item
        }
        if item.templateID == nil && item.topic != nil {
            item.kind = .prompt
        } else if item.templateID == nil {
            item.rejection = DeskError(
                .invalidItem, "the item names no template: give template_id on the item or the request",
                field: path + ".template_id")
        }
        return item
    }

    /// `base` with `own`'s members laid over it; shares `own`'s storage when there is no base
    /// (a large request's items then keep the parsed objects instead of copies).
    private static func overlay(_ base: JSONObject, _ own: JSONObject?) -> JSONObject {
        guard let own else { return base }
        if base.isEmpty { return own }
        var merged = base
        for (k, v) in own.members { merged[k] = v }
        return merged
    }

    private static func optionalString(_ o: JSONObject, _ key: String, path: String? = nil) throws(DeskError) -> String?
    {
        guard let v = o[key], !v.isNull else { return nil }
        guard case .string(let s) = v else {
            let field = path.map { "\($0).\(key)" } ?? key
            throw DeskError(.invalidRequest, "\(field) must be a string, not \(v.typeName)", field: field)
        }
        return s
    }

    /// An id may be a string or an integer (CRM exports often use numbers); it is kept as text.
    private static func optionalID(_ o: JSONObject, _ key: String, path: String) throws(DeskError) -> String? {
        guard let v = o[key], !v.isNull else { return nil }
        switch v {
        case .string(let s): return s
        case .int(let i): return String(i)
        default:
            throw DeskError(
                .invalidRequest, "\(path).\(key) must be a string or an integer, not \(v.typeName)",
                field: "\(path).\(key)")
        }
    }

    private static func optionalObject(_ o: JSONObject, _ key: String, path: String) throws(DeskError) -> JSONObject? {
        guard let v = o[key], !v.isNull else { return nil }
        guard case .object(let object) = v else {
            throw DeskError(.invalidRequest, "\(path) must be an object, not \(v.typeName)", field: path)
        }
        return object
    }
}
