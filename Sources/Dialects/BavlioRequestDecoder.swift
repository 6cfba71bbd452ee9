import DeskKit

/// Decodes a bavlio playground-generate request (shared/seeds/001):
/// `{campaign_id?, step_index, n_leads?, custom_prompt?}`, drafts of one campaign step for up to
/// `n_leads` leads of a campaign in the org's library (``BavlioCampaign``).
///
/// - `campaign_id` (the API's path parameter) comes from the body, else from the file name: the
///   name's part before its first `.` (`3c90c3cc-0d44-4b50-8888-8dd25736052a.json`,
///   `spring-launch.bavlio.json` → `spring-launch`). It must be an id (letters, digits, `.`,
///   `_`, `-`); the campaign is `library/<org>/campaigns/<campaign_id>.json`, so a request can
///   only name its own org's campaigns.
/// - `step_index` is required, an integer from 1 to 32, and a step of the campaign.
/// - `n_leads` is an integer from 1 to 200 (50 when absent or null).
/// - `custom_prompt` is a string of at most 32,000 characters, or null.
///
/// Any of those wrong is `INVALID_REQUEST` naming the field; a missing campaign is `NOT_FOUND`
/// (field `campaign_id`), a campaign file that is not one `INVALID_TEMPLATE`; a campaign without
/// a `PERSONALIZATION` lead is `INVALID_REQUEST`. Each is a whole-file rejection: without the
/// campaign there is no item.
///
/// Each of the first `n_leads` `PERSONALIZATION` leads, in campaign order, becomes one
/// ``WorkItem/Kind/prompt`` item: id = the lead id, fields = the lead's fields plus the step's
/// `channel` and `subject` and the sender's `sender_name`, instructions = the step's, topic = the
/// step's subject (else "<campaign name>, step <n>"), custom prompt = `custom_prompt`, campaign
/// id, and idempotency key `<campaign_id>/<lead_id>/<batch_id>` (the generator appends the
/// prompt version hash: bavlio's idempotency tuple). The campaign's `system_prompt`, its
/// sender's `custom_prompt`, `brand_id` and `defaults` go into ``BatchRequest/prompt``. A lead
/// without a usable id or fields is rejected on its own (`INVALID_ITEM`). O(leads read).
public enum BavlioRequestDecoder {
    /// The most leads one request may draft for (`n_leads` ≤ 200).
    public static var maxLeads: Int { RequestFormat.itemCap(of: RequestFormat.bavlio) ?? 200 }
    /// `n_leads` when the request gives none.
    public static let defaultLeads = 50
    /// The longest `custom_prompt`, in characters (Unicode scalars).
    public static let maxCustomPrompt = 32_000

    /// Decodes `document`, which ``RequestFormat/detect(_:)`` recognised as bavlio.
    public static func decode(_ document: JSONValue, context: DecodeContext) throws(DeskError) -> BatchRequest {
        guard case .object(let root) = document else {
            throw DeskError(.invalidRequest, "a request must be a JSON object")
        }
        let stepIndex = try integer(root, "step_index", range: 1...BavlioCampaign.maxSteps, default: nil)
        let leadCount = try integer(root, "n_leads", range: 1...maxLeads, default: defaultLeads)
        var customPrompt: String?
        switch root["custom_prompt"] {
        case nil, .null?: break
        case .string(let s)?:
            guard s.unicodeScalars.count <= maxCustomPrompt else {
                throw DeskError(
                    .invalidRequest,
                    "custom_prompt has \(s.unicodeScalars.count) characters; the limit is \(maxCustomPrompt)",
                    field: "custom_prompt")
            }
            customPrompt = s
        case let v?:
            throw DeskError(
                .invalidRequest, "custom_prompt must be a string or null, not \(v.typeName)", field: "custom_prompt")
        }
        let campaignID = try self.campaignID(root, fileName: context.fileName)
        guard let library = context.library else {
            throw DeskError(
                .notFound,
                "campaign '\(campaignID)' cannot be looked up without a desk's library (copydesk validate needs --root ROOT for a bavlio request)",
                field: "campaign_id")
        }
        let campaign = try BavlioCampaign.load(id: campaignID, org: context.org, library: library)
        guard let step = campaign.step(stepIndex) else {
            throw DeskError(
                .invalidRequest,
                "step_index \(stepIndex) is not a step of campaign '\(campaignID)' (its steps: \(campaign.steps.map { String($0.index) }.joined(separator: ", ")))",
                field: "step_index")
        }
        let leads = try campaign.personalizationLeads(limit: leadCount)
        guard !leads.isEmpty else {
            throw DeskError(
                .invalidRequest,
                "no PERSONALIZATION lead in campaign '\(campaignID)' (\(campaign.displayPath)): there is nothing to draft",
                field: "campaign_id")
        }
        let topic =
            step.subject.flatMap { BavlioCampaign.trim($0).isEmpty ? nil : $0 }
            ?? "\(campaign.name ?? campaignID), step \(step.index)"
        var items: [WorkItem] = []
        items.reserveCapacity(leads.count)
        for (index, lead) in leads.enumerated() {
            var fields = lead.fields
            if let channel = step.channel { fields["channel"] = .string(channel) }
            if let subject = step.subject { fields["subject"] = .string(subject) }
            if let sender = campaign.senderName, fields["sender_name"] == nil {
                fields["sender_name"] = .string(sender)
            }
            var item = WorkItem(
                index: index, id: lead.id, kind: .prompt, topic: topic, instructions: step.instructions, fields: fields,
                rejection: lead.problem, customPrompt: customPrompt, brandID: nil, campaignID: campaignID)
            if let leadID = lead.id { item.idempotencyKey = "\(campaignID)/\(leadID)/\(context.batchID)" }
            items.append(item)
        }
        let metadata: JSONValue = [
            "campaign_id": .string(campaignID), "step_index": .int(stepIndex), "n_leads": .int(leadCount),
        ]
        return BatchRequest(
            format: RequestFormat.bavlio, metadata: metadata, items: items,
            prompt: PromptSettings(
                campaignSystemPrompt: campaign.systemPrompt, senderPrompt: campaign.senderPrompt,
                brandID: campaign.brandID, campaignID: campaignID, defaults: campaign.defaults))
    }

    /// The campaign id of the request: `campaign_id` in the body, else the file name's part
    /// before its first `.`.
    static func campaignID(_ root: JSONObject, fileName: String) throws(DeskError) -> String {
        switch root["campaign_id"] {
        case .string(let id)?:
            guard Path.isSafeID(id) else {
                throw DeskError(
                    .invalidRequest,
                    "campaign_id '\(id)' is not a campaign id: use letters, digits, '.', '_' and '-' (no slashes, not starting with '.')",
                    field: "campaign_id")
            }
            return id
        case nil, .null?:
            let name = Path.name(fileName)
            let stem =
                name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard Path.isSafeID(stem) else {
                throw DeskError(
                    .invalidRequest,
                    "the request gives no campaign_id and its file name '\(name)' does not start with one: add \"campaign_id\" or name the file <campaign_id>.json",
                    field: "campaign_id")
            }
            return stem
        case let v?:
            throw DeskError(.invalidRequest, "campaign_id must be a string, not \(v.typeName)", field: "campaign_id")
        }
    }


    /// The integer member `key` in `range`; `default` when absent or null (required when `nil`).
    private static func integer(
        _ root: JSONObject, _ key: String, range: ClosedRange<Int>, default fallback: Int?
    ) throws(DeskError) -> Int {
        let expected = "an integer from \(range.lowerBound) to \(range.upperBound)"
        switch root[key] {
        case nil, .null?:
            guard let fallback else {
                throw DeskError(.invalidRequest, "\(key) is required: \(expected)", field: key)
            }
            return fallback
        case let v?:
            guard let n = v.intValue else {
                throw DeskError(
                    .invalidRequest,
                    "\(key) must be \(expected), not \(v.typeName == "number" ? v.serializedString() : v.typeName)",
                    field: key)
            }
            guard range.contains(n) else {
                throw DeskError(.invalidRequest, "\(key) is \(n); it must be \(expected)", field: key)
            }
            return n
        }
    }
}
