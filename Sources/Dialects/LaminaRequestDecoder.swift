import DeskKit

/// Decodes a lamina batch-create-content request (shared/seeds/002): 1 to 10 `items` of
/// `{brief, platform, modality, brandProfileId?, campaignId?}` with batch defaults
/// `brandProfileId` and `campaignId` (string or null) that each item may override.
///
/// One ``WorkItem/Kind/prompt`` item per entry, in order: topic = brief, ``WorkItem/modality``,
/// `fields["platform"]`, the brand and campaign (the item's own, else the batch's). Each item's
/// id is its run id, `<batch_id>-<index>`: it is what the result answers as `runId`, what the
/// status file lists as the item's `id`, and the name of its published file
/// (`outbox/<org>/published/<batch_id>/<batch_id>-<index>.json`).
///
/// No items, or a batch default of the wrong type, is `INVALID_REQUEST`; more than 10 items is
/// `TOO_MANY_ITEMS`. An item that is not an object, has no non-empty `brief`, a modality that is
/// not one of ``modalities`` or a member of the wrong type is rejected on its own
/// (`INVALID_ITEM`); the others go on. Whether a provider serves a modality is the daemon's
/// question, not the decoder's (`UNSUPPORTED_MODALITY` at admission). Unknown members are
/// ignored. O(items).
public enum LaminaRequestDecoder {
    /// The most items one batch may hold (the page: "Maximum 10 items per batch").
    public static var maxItems: Int { RequestFormat.itemCap(of: RequestFormat.lamina) ?? 10 }

    /// The modalities an item may ask for (`text` when it gives none).
    public static let modalities: Set<String> = ["text", "image", "video", "audio"]

    /// Decodes `document`, which ``RequestFormat/detect(_:)`` recognised as lamina.
    public static func decode(_ document: JSONValue, context: DecodeContext) throws(DeskError) -> BatchRequest {
        guard case .object(let root) = document else {
            throw DeskError(.invalidRequest, "a request must be a JSON object")
        }
        let brandID = try batchID(root, "brandProfileId")
        let campaignID = try batchID(root, "campaignId")
        guard case .array(let entries)? = root["items"] else {
            throw DeskError(
                .invalidRequest, "items must be an array of {brief, platform, modality}", field: "items")
        }
        guard !entries.isEmpty else {
            throw DeskError(.invalidRequest, "items is empty: give 1 to \(maxItems) items", field: "items")
        }
        guard entries.count <= maxItems else {
            throw DeskError(
                .tooManyItems,
                "items has \(entries.count) entries; a batch takes at most \(maxItems): split it into several files",
                field: "items")
        }
        var items: [WorkItem] = []
        items.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            let path = "items[\(index)]"
            var item = WorkItem(
                index: index, id: runID(batchID: context.batchID, index: index), kind: .prompt, brandID: brandID,
                campaignID: campaignID)
            do throws(DeskError) {
                guard case .object(let o) = entry else {
                    throw DeskError(
                        .invalidItem, "\(path) must be an object {brief, platform, modality}, not \(entry.typeName)",
                        field: path)
                }
                func text(_ key: String) throws(DeskError) -> String? {
                    switch o[key] {
                    case nil, .null?: return nil
                    case .string(let s)?: return s
                    case let v?:
                        throw DeskError(
                            .invalidItem, "\(path).\(key) must be a string, not \(v.typeName)", field: "\(path).\(key)")
                    }
                }
                guard let brief = try text("brief"), brief.contains(where: { !$0.isWhitespace }) else {
                    throw DeskError(.invalidItem, "\(path) needs a brief: a non-empty string", field: "\(path).brief")
                }
                item.topic = brief
                if let platform = try text("platform") { item.fields["platform"] = .string(platform) }
                if let modality = try text("modality") {
                    guard modalities.contains(modality) else {
                        throw DeskError(
                            .invalidItem,
                            "\(path).modality '\(modality)' is not a modality: use one of \(modalities.sorted().joined(separator: ", "))",
                            field: "\(path).modality")
                    }
                    item.modality = modality
                }
                if let own = try text("brandProfileId") { item.brandID = own }
                if let own = try text("campaignId") { item.campaignID = own }
            } catch {
                item.rejection = error
            }
            items.append(item)
        }
        return BatchRequest(
            format: RequestFormat.lamina, items: items, prompt: PromptSettings(brandID: brandID, campaignID: campaignID)
        )
    }

    /// The run id of item `index` of batch `batchID`: `<batch_id>-<index>`.
    public static func runID(batchID: String, index: Int) -> String { "\(batchID)-\(index)" }

    /// A batch default: a string, or `null` / absent for none.
    private static func batchID(_ root: JSONObject, _ key: String) throws(DeskError) -> String? {
        switch root[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let v?: throw DeskError(.invalidRequest, "\(key) must be a string or null, not \(v.typeName)", field: key)
        }
    }
}
