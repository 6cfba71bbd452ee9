import DeskKit

/// Recognises which request format a parsed JSON document is written in.
public enum RequestFormat {
    /// The dialects copydesk knows, by name.
    public static let native = "native"
    public static let justwords = "justwords"
    public static let waldium = "waldium"
    public static let lamina = "lamina"
    public static let bavlio = "bavlio"
    public static let tented = "tented"

    /// Each dialect's own item cap, from its documentation (DESIGN.md, "Limits"): justwords 20
    /// requests, bavlio 200 leads (`n_leads`), lamina 10 items, waldium 100 posts, tented 25 items. Native
    /// requests have none of their own (`limits.max_items` applies to every format).
    public static let itemCaps: [String: Int] = [justwords: 20, bavlio: 200, lamina: 10, waldium: 100, tented: 25]

    /// The item cap of `format`, or `nil` when it has none of its own.
    public static func itemCap(of format: String) -> Int? { itemCaps[format] }

    /// Members a native item may have and a lamina item never has.
    static let nativeItemMembers: Set<String> = [
        "id", "template_id", "topic", "fields", "attrs", "copy_id", "tracking_id", "user_id", "bucket_name",
        "instructions", "custom_prompt", "brand_id",
    ]
    /// Members of a native request that a lamina request never has.
    static let nativeRequestMembers = [
        "items_from", "template_id", "defaults", "schedule", "publish", "idempotency_key",
    ]
    /// Members of a native item that a tented item never has (tented's `instructions` is shared).
    static let nativeOnlyItemMembers = nativeItemMembers.subtracting(["instructions"])
    /// Members only a lamina item has (a native item may also have `brief` and `modality`).
    static let laminaItemMarks: Set<String> = ["platform", "brandProfileId", "campaignId"]

    /// The format of `document`, or `nil` when it matches none. In this order:
    ///
    /// - **bavlio**: a `step_index` member, and no `items`, `requests` or `posts`.
    /// - **waldium**: `schedule` and `posts`, and no `items` or `items_from`.
    /// - **justwords**: a `requests` array, and no `items`.
    /// - **tented**: a string `template_id` and an `items` array; no other native request member
    ///   (`items_from`, `defaults`, `schedule`, `publish`, `idempotency_key`); no item with a
    ///   native item member other than `instructions` (`id`, `fields`, `topic`, …); and an item
    ///   with `input_data`. A native request naming a template has items with `fields` (or
    ///   `id`), never `input_data`, so `{"template_id": …, "items": [{"fields": …}]}` stays
    ///   native, and so does one whose items have neither.
    /// - **lamina**: an `items` array; no native request member (`items_from`, `template_id`,
    ///   `defaults`, `schedule`, `publish`, `idempotency_key`); no item with a native item member
    ///   (`id`, `template_id`, `topic`, `fields`, `attrs`, `copy_id`, `tracking_id`, `user_id`,
    ///   `bucket_name`, `instructions`, `custom_prompt`, `brand_id`); and a member only lamina
    ///   has: `brandProfileId` or `campaignId` at the top, or an item with `platform`,
    ///   `brandProfileId` or `campaignId`. A native item may have `brief` and `modality` too, so
    ///   those alone do not make a lamina request: `{"items": [{"brief": …, "modality": …}]}` is
    ///   native. An item is judged by what it has, so a lamina item without a brief (rejected on
    ///   its own) still makes a lamina request.
    /// - **native**: `items` or `items_from`.
    ///
    /// O(items) at most (lamina's check looks at every item's keys, stopping at the first native
    /// member).
    public static func detect(_ document: JSONValue) -> String? {
        guard case .object(let root) = document else { return nil }
        if root["step_index"] != nil && root["items"] == nil && root["requests"] == nil && root["posts"] == nil {
            return bavlio
        }
        if root["schedule"] != nil && root["posts"] != nil && root["items"] == nil && root["items_from"] == nil {
            return waldium
        }
        if case .array? = root["requests"], root["items"] == nil { return justwords }
        if case .array(let items)? = root["items"] {
            if isTented(root, items: items) { return tented }
            if isLamina(root, items: items) { return lamina }
        }
        if root["items"] != nil || root["items_from"] != nil { return native }
        return nil
    }

    /// Whether a request with `items` is lamina's (``detect(_:)``).
    static func isLamina(_ root: JSONObject, items: [JSONValue]) -> Bool {
        for key in nativeRequestMembers where root[key] != nil { return false }
        var marked = root["brandProfileId"] != nil || root["campaignId"] != nil
        for item in items {
            guard case .object(let o) = item else { continue }
            for key in o.keys {
                if nativeItemMembers.contains(key) { return false }
                if laminaItemMarks.contains(key) { marked = true }
            }
        }
        return marked
    }

    /// Whether a request with `items` is tented's (``detect(_:)``).
    static func isTented(_ root: JSONObject, items: [JSONValue]) -> Bool {
        guard case .string? = root["template_id"] else { return false }
        for key in nativeRequestMembers where key != "template_id" && root[key] != nil { return false }
        var marked = false
        for item in items {
            guard case .object(let o) = item else { continue }
            for key in o.keys where nativeOnlyItemMembers.contains(key) { return false }
            if o["input_data"] != nil { marked = true }
        }
        return marked
    }

    /// The dialect that reads `document`, or `nil` when it matches none.
    public static func dialect(for document: JSONValue) -> (any RequestDialect)? {
        detect(document).flatMap(dialect(named:))
    }

    /// The dialect called `name`, or `nil` for an unknown name.
    public static func dialect(named name: String) -> (any RequestDialect)? {
        switch name {
        case native: return NativeDialect()
        case justwords: return JustwordsDialect()
        case waldium: return WaldiumDialect()
        case lamina: return LaminaDialect()
        case bavlio: return BavlioDialect()
        case tented: return TentedDialect()
        default: return nil
        }
    }

    /// What a user reads when a document matches no format.
    public static let unknownFormatMessage =
        "the file is JSON but not a request copydesk knows: a native request has an \"items\" array, a lamina request \"items\" of {brief, platform, modality}, a justwords request a \"requests\" array, a waldium request \"schedule\" and \"posts\", a bavlio request a \"step_index\", a tented request \"template_id\" and \"items\" of {input_data} (see the README section of each format)"
}
