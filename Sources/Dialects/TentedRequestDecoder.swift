import DeskKit

/// Decodes a tented bulk-tents request (shared/seeds/004): one approved `template_id` for the
/// whole batch and 1 to 25 `items` of `{input_data, instructions?, client_item_id?, tent_name?,
/// custom_page_alias?, include_brand?, asset_ids?}`, with the batch's `client_job_descriptor`,
/// `default_tent_name_prefix`, `start_index` (default 1), `auto_publish` (default `false`) and
/// `metadata` (echoed in the result).
///
/// One ``WorkItem/Kind/copy`` item per entry, in order: the template is the batch's, the fields
/// are `input_data`, the id is the tent id copydesk generates (``tentID(batchID:index:)``; a
/// request cannot choose it), `include_brand` names the org's `default` brand, and
/// ``WorkItem/page`` holds the name (``TentNaming``), the alias and the assets.
///
/// Whole-file errors: no `template_id` or one that is not a safe id, no items, a batch member
/// of the wrong type, or a template that exists but is not approved or has no approved variant
/// (`INVALID_REQUEST`); more than 25 items (`TOO_MANY_ITEMS`). Per item (partial success):
/// malformed members, an alias that breaks a rule of ``PageAlias`` or is asked for without
/// `auto_publish: true` or twice in the request, more than 5 or unsafe asset ids (`INVALID_ITEM`);
/// an unknown template (every item), a missing asset, or `include_brand` in an org without
/// `brands/default.json` (`NOT_FOUND`). The library checks need ``DecodeContext/library``; a
/// dry run without one skips them. O(items + assets).
public enum TentedRequestDecoder {
    /// The most items one request may hold (the page: "Between 1 and 25 items").
    public static var maxItems: Int { RequestFormat.itemCap(of: RequestFormat.tented) ?? 25 }
    /// The most asset ids one item may name.
    public static let maxAssets = 5

    /// Decodes `document`, which ``RequestFormat/detect(_:)`` recognised as tented.
    public static func decode(_ document: JSONValue, context: DecodeContext) throws(DeskError) -> BatchRequest {
        guard case .object(let root) = document else {
            throw DeskError(.invalidRequest, "a request must be a JSON object")
        }
        guard case .string(let templateID)? = root["template_id"], Path.isSafeID(templateID) else {
            throw DeskError(
                .invalidRequest,
                "template_id must name the approved template of the whole batch: letters, digits, '.', '_' and '-'",
                field: "template_id")
        }
        let naming = TentNaming(
            prefix: try text(root, "default_tent_name_prefix"), descriptor: try text(root, "client_job_descriptor"),
            startIndex: try startIndex(root))
        let autoPublish = try flag(root, "auto_publish")
        var metadata: JSONValue?
        switch root["metadata"] {
        case nil, .null?: break
        case .object(let o)?: metadata = .object(o)
        case let v?: throw DeskError(.invalidRequest, "metadata must be an object, not \(v.typeName)", field: "metadata")
        }
        guard case .array(let entries)? = root["items"] else {
            throw DeskError(.invalidRequest, "items must be an array of {input_data, …}", field: "items")
        }
        guard !entries.isEmpty else {
            throw DeskError(.invalidRequest, "items is empty: give 1 to \(maxItems) items", field: "items")
        }
        guard entries.count <= maxItems else {
            throw DeskError(
                .tooManyItems,
                "items has \(entries.count) entries; a bulk request takes at most \(maxItems): split it into several files",
                field: "items")
        }
        let library = context.library.map { Library(path: $0, org: context.org) }
        let templateMissing = try library?.checkTemplate(templateID)
        var aliases: [String: Int] = [:]
        var items: [WorkItem] = []
        items.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            let path = "items[\(index)]"
            var item = WorkItem(
                index: index, id: tentID(batchID: context.batchID, index: index), kind: .copy, templateID: templateID,
                page: PageRequest(name: naming.name(own: nil, index: index)))
            do throws(DeskError) {
                guard case .object(let o) = entry else {
                    throw DeskError(.invalidItem, "\(path) must be an object {input_data, …}, not \(entry.typeName)", field: path)
                }
                func member(_ key: String) throws(DeskError) -> String? {
                    switch o[key] {
                    case nil, .null?: return nil
                    case .string(let s)?: return s
                    case let v?:
                        throw DeskError(.invalidItem, "\(path).\(key) must be a string, not \(v.typeName)", field: "\(path).\(key)")
                    }
                }
                item.page?.clientItemID = try member("client_item_id")
                item.page?.name = naming.name(own: try member("tent_name"), index: index)
                item.instructions = try member("instructions")
                guard case .object(let fields)? = o["input_data"] else {
                    throw DeskError(
                        .invalidItem, "\(path).input_data is required: an object of the tent's personalisation fields",
                        field: "\(path).input_data")
                }
                item.fields = fields
                if let alias = try member("custom_page_alias") {
                    if let problem = PageAlias.problem(with: alias) {
                        throw DeskError(.invalidItem, "Invalid custom_page_alias: \(problem)", field: "\(path).custom_page_alias")
                    }
                    guard autoPublish else {
                        throw DeskError(
                            .invalidItem,
                            "Invalid custom_page_alias: it requires top-level \"auto_publish\": true (set it, or drop the alias)",
                            field: "\(path).custom_page_alias")
                    }
                    if let first = aliases[alias] {
                        throw DeskError(
                            .invalidItem,
                            "Invalid custom_page_alias: '\(alias)' is already the alias of items[\(first)]; two tents cannot be published at one path",
                            field: "\(path).custom_page_alias")
                    }
                    aliases[alias] = index
                    item.page?.customAlias = alias
                }
                switch o["include_brand"] {
                case nil, .null?, .bool(false)?: break
                case .bool(true)?: item.brandID = "default"
                case let v?:
                    throw DeskError(
                        .invalidItem, "\(path).include_brand must be true or false, not \(v.typeName)", field: "\(path).include_brand")
                }
                item.page?.assetIDs = try assetIDs(o["asset_ids"], path: path)
                if templateMissing == nil, item.brandID != nil, let library, !library.hasDefaultBrand {
                    throw DeskError(
                        .notFound,
                        "include_brand needs the org's brand profile library/\(context.org)/brands/default.json, which does not exist",
                        field: "\(path).include_brand")
                }
                if templateMissing == nil, let library {
                    let files = try library.assetFiles(item.page?.assetIDs ?? [], path: path)
                    item.page?.assetFiles = files
                }
            } catch {
                item.rejection = error
            }
            if let templateMissing { item.rejection = templateMissing }
            items.append(item)
        }
        return BatchRequest(format: RequestFormat.tented, publish: autoPublish, metadata: metadata, items: items)
    }

    /// The tent id of item `index` of batch `batchID`: a version-4-shaped UUID drawn from the
    /// SHA-256 of both, so a batch admitted again after a crash gives its tents the same ids.
    public static func tentID(batchID: String, index: Int) -> String {
        var hex = Array(SHA256.hexDigest(Array("tented:\(batchID):\(index)".utf8)).prefix(32))
        hex[12] = "4"
        hex[16] = ["8", "9", "a", "b"][Int(String(hex[16]), radix: 16)! & 3]
        let s = String(hex)
        func part(_ from: Int, _ count: Int) -> Substring {
            s.dropFirst(from).prefix(count)
        }
        return "\(part(0, 8))-\(part(8, 4))-\(part(12, 4))-\(part(16, 4))-\(part(20, 12))"
    }

    private static func text(_ root: JSONObject, _ key: String) throws(DeskError) -> String? {
        switch root[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let v?: throw DeskError(.invalidRequest, "\(key) must be a string, not \(v.typeName)", field: key)
        }
    }

    private static func flag(_ root: JSONObject, _ key: String) throws(DeskError) -> Bool {
        switch root[key] {
        case nil, .null?: return false
        case .bool(let b)?: return b
        case let v?: throw DeskError(.invalidRequest, "\(key) must be true or false, not \(v.typeName)", field: key)
        }
    }

    private static func startIndex(_ root: JSONObject) throws(DeskError) -> Int {
        guard let value = root["start_index"], !value.isNull else { return 1 }
        guard case .int(let n) = value, n >= 0 else {
            throw DeskError(
                .invalidRequest, "start_index must be a whole number, 0 or more (the first generated name's counter)",
                field: "start_index")
        }
        return n
    }

    private static func assetIDs(_ value: JSONValue?, path: String) throws(DeskError) -> [String] {
        let field = "\(path).asset_ids"
        switch value {
        case nil, .null?: return []
        case .array(let values)?:
            guard values.count <= maxAssets else {
                throw DeskError(.invalidItem, "\(field) has \(values.count) ids; a tent takes at most \(maxAssets)", field: field)
            }
            var ids: [String] = []
            for (i, v) in values.enumerated() {
                guard case .string(let id) = v, Path.isSafeID(id) else {
                    throw DeskError(
                        .invalidItem,
                        "\(field)[\(i)] is not an asset id: use the name of a file in the org's library assets (letters, digits, '.', '_', '-')",
                        field: "\(field)[\(i)]")
                }
                if !ids.contains(id) { ids.append(id) }
            }
            return ids
        case let v?:
            throw DeskError(.invalidItem, "\(field) must be an array of asset ids, not \(v.typeName)", field: field)
        }
    }

    /// What the decoder looks up in the org's library (`library/<org>/`).
    private struct Library {
        var path: String
        var org: String

        /// `NOT_FOUND` for every item when the template does not exist; throws when it exists
        /// but cannot serve the batch (not approved, no approved variant).
        func checkTemplate(_ id: String) throws(DeskError) -> DeskError? {
            let file = Path.join(Path.join(path, "templates"), id + ".json")
            guard FileSystem.exists(file) else {
                return DeskError(
                    .notFound, "template '\(id)' does not exist in library/\(org)/templates/", field: "template_id")
            }
            // A broken file is reported by generation (INVALID_TEMPLATE), item by item.
            guard let json = try? JSONFile.read(file, limit: 4 << 20) else { return nil }
            guard json["approved"]?.boolValue == true else {
                throw DeskError(
                    .invalidRequest,
                    "template '\(id)' is not approved: set \"approved\": true in library/\(org)/templates/\(id).json once it is reviewed, then drop the request again",
                    field: "template_id")
            }
            let variants = json["variants"]?.arrayValue ?? []
            if json["prompt"] == nil && !variants.contains(where: { $0["approved"]?.boolValue != false }) {
                throw DeskError(
                    .invalidRequest,
                    "template '\(id)' has no approved content: approve one of its variants, then drop the request again",
                    field: "template_id")
            }
            return nil
        }

        var hasDefaultBrand: Bool { FileSystem.exists(Path.join(Path.join(path, "brands"), "default.json")) }

        /// The file of each asset id: `<id>` or `<id>.<ext>` in `assets/`, a regular file.
        func assetFiles(_ ids: [String], path itemPath: String) throws(DeskError) -> [String] {
            guard !ids.isEmpty else { return [] }
            let folder = Path.join(path, "assets")
            let entries = ((try? FileSystem.entries(of: folder)) ?? []).filter { $0.kind == .file }
            var files: [String] = []
            for (i, id) in ids.enumerated() {
                guard let entry = entries.first(where: { $0.name == id }) ?? entries.first(where: { Path.stem($0.name) == id })
                else {
                    throw DeskError(
                        .notFound, "asset '\(id)' does not exist in library/\(org)/assets/", field: "\(itemPath).asset_ids[\(i)]")
                }
                files.append(entry.name)
            }
            return files
        }
    }
}
