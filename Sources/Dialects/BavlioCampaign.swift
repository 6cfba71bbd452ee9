import DeskKit

/// A bavlio campaign, read from `library/<org>/campaigns/<id>.json` (README, "bavlio requests"):
///
/// ```json
/// {"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "name": "Spring launch",
///  "system_prompt": "You write short, friendly B2B emails.", "brand_id": "default",
///  "defaults": {"tone": "warm", "length": "short"},
///  "sender": {"name": "Dana from Acme", "custom_prompt": "Sign every email as Dana."},
///  "steps": [{"index": 1, "channel": "email", "subject": "A quick idea", "instructions": "Open with …"}],
///  "leads": [{"id": "a1b2…", "assignment": "PERSONALIZATION", "fields": {"first_name": "Jane"}}],
///  "leads_from": "spring-leads.csv"}
/// ```
/// Every member but `steps` is optional. `steps` holds 1 to 32 steps with distinct `index`es
/// (1…32) and `instructions`; `leads` is read first, then the rows of `leads_from`, a CSV file in
/// the same folder whose header names an `id` and an `assignment` column, every other column
/// being a field. A campaign the file cannot describe is `INVALID_TEMPLATE` (a library problem,
/// the field says where); leads are read lazily, only as far as a request needs.
struct BavlioCampaign {
    struct Step {
        var index: Int
        var channel: String?
        var subject: String?
        var instructions: String
    }

    /// One lead a request can draft for: its id and fields, or why it cannot be used.
    struct Lead {
        var id: String?
        var fields: JSONObject
        var problem: DeskError?
    }

    var id: String
    var name: String?
    var systemPrompt: String?
    var brandID: String?
    var defaults: JSONObject
    var senderName: String?
    var senderPrompt: String?
    var steps: [Step]
    /// The inline leads, unread.
    var leads: [JSONValue]
    /// The leads CSV beside the campaign file, if it names one.
    var leadsFrom: String?
    /// The campaign file, relative to the desk (`library/<org>/campaigns/<id>.json`), for messages.
    var displayPath: String
    /// The campaigns folder.
    var folder: String

    /// The most steps a campaign may hold (the request's `step_index` range).
    static let maxSteps = 32
    /// The largest campaign file read (the leads may be inline).
    static let maxFileBytes = 64 * 1024 * 1024

    /// Reads campaign `id` of `org` from `library` (`library/<org>`). A missing file is
    /// `NOT_FOUND`; a file that is not a campaign, `INVALID_TEMPLATE`.
    static func load(id: String, org: String, library: String) throws(DeskError) -> BavlioCampaign {
        let folder = Path.join(library, "campaigns")
        let path = Path.join(folder, id + ".json")
        let display = "library/\(org)/campaigns/\(id).json"
        guard FileSystem.exists(path) else {
            throw DeskError(
                .notFound, "campaign '\(id)' does not exist in library/\(org)/campaigns/ (no \(display))",
                field: "campaign_id")
        }
        let document: JSONValue
        do throws(JSONFile.ReadError) {
            document = try JSONFile.read(path, limit: maxFileBytes)
        } catch {
            throw error.deskError("campaign \(display)", tooLarge: .invalidTemplate, invalid: .invalidTemplate)
        }
        func bad(_ field: String, _ what: String) -> DeskError {
            DeskError(.invalidTemplate, "campaign \(display): \(field) must be \(what)", field: "campaign.\(field)")
        }
        guard case .object(let root) = document else { throw bad("the file", "a JSON object") }
        func text(_ o: JSONObject, _ key: String, _ path: String) throws(DeskError) -> String? {
            switch o[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            case .some: throw bad(path, "a string")
            }
        }
        var campaign = BavlioCampaign(
            id: id, name: try text(root, "name", "name"),
            systemPrompt: try text(root, "system_prompt", "system_prompt"),
            brandID: try text(root, "brand_id", "brand_id"), defaults: JSONObject(), steps: [], leads: [],
            displayPath: display, folder: folder)
        switch root["defaults"] {
        case nil, .null?: break
        case .object(let d)?:
            for key in PromptSettings.defaultKeys { if let v = d[key], !v.isNull { campaign.defaults[key] = v } }
        case .some: throw bad("defaults", "an object {style, tone, length, audience, examples}")
        }
        switch root["sender"] {
        case nil, .null?: break
        case .object(let s)?:
            campaign.senderName = try text(s, "name", "sender.name")
            campaign.senderPrompt = try text(s, "custom_prompt", "sender.custom_prompt")
        case .some: throw bad("sender", "an object {name, custom_prompt?}")
        }
        guard case .array(let steps)? = root["steps"], (1...maxSteps).contains(steps.count) else {
            throw bad("steps", "an array of 1 to \(maxSteps) steps {index, channel?, subject?, instructions}")
        }
        var seen = Set<Int>()
        for (i, value) in steps.enumerated() {
            let path = "steps[\(i)]"
            guard case .object(let s) = value else { throw bad(path, "an object {index, instructions, …}") }
            guard let index = s["index"]?.intValue, (1...maxSteps).contains(index) else {
                throw bad("\(path).index", "an integer from 1 to \(maxSteps)")
            }
            guard seen.insert(index).inserted else {
                throw bad("\(path).index", "unique (step \(index) is given twice)")
            }
            guard let instructions = try text(s, "instructions", "\(path).instructions") else {
                throw bad("\(path).instructions", "a string")
            }
            campaign.steps.append(
                Step(
                    index: index, channel: try text(s, "channel", "\(path).channel"),
                    subject: try text(s, "subject", "\(path).subject"), instructions: instructions))
        }
        switch root["leads"] {
        case nil, .null?: break
        case .array(let leads)?: campaign.leads = leads
        case .some: throw bad("leads", "an array of {id, assignment, fields}")
        }
        if let from = try text(root, "leads_from", "leads_from") {
            guard Path.isSafeComponent(from) else {
                throw bad("leads_from", "the name of a CSV file in the same folder (no slash, not starting with '.')")
            }
            campaign.leadsFrom = from
        }
        return campaign
    }

    /// The step with `index`, if the campaign has it.
    func step(_ index: Int) -> Step? { steps.first { $0.index == index } }

    /// Whether `assignment` is bavlio's `PERSONALIZATION` (any case, surrounding spaces ignored).
    static func isPersonalization(_ assignment: String) -> Bool {
        trim(assignment).uppercased() == "PERSONALIZATION"
    }

    /// `text` without leading and trailing spaces, tabs and line ends.
    static func trim(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(text[first...last])
    }

    /// The first `limit` leads assigned `PERSONALIZATION`, in campaign order: the inline leads,
    /// then the rows of `leads_from`, read only until `limit` are found. A lead whose id or
    /// fields are unusable is returned with its problem (the request rejects that item only).
    /// O(leads read).
    func personalizationLeads(limit: Int) throws(DeskError) -> [Lead] {
        var out: [Lead] = []
        for (i, value) in leads.enumerated() where out.count < limit {
            let path = "leads[\(i)]"
            guard case .object(let o) = value else {
                throw DeskError(
                    .invalidTemplate, "campaign \(displayPath): \(path) must be an object {id, assignment, fields}",
                    field: "campaign.\(path)")
            }
            guard case .string(let assignment)? = o["assignment"], Self.isPersonalization(assignment) else { continue }
            var lead = Lead(id: nil, fields: JSONObject())
            switch o["id"] {
            case .string(let s)? where !s.isEmpty: lead.id = s
            case .int(let n)?: lead.id = String(n)
            default:
                lead.problem = DeskError(
                    .invalidItem, "campaign \(displayPath): \(path) has no id (a non-empty string)",
                    field: "campaign.\(path).id")
            }
            switch o["fields"] {
            case nil, .null?: break
            case .object(let f)?: lead.fields = f
            case let v?:
                lead.problem =
                    lead.problem
                    ?? DeskError(
                        .invalidItem, "campaign \(displayPath): \(path).fields must be an object, not \(v.typeName)",
                        field: "campaign.\(path).fields")
            }
            out.append(lead)
        }
        if out.count < limit, let leadsFrom {
            try readCSV(leadsFrom, limit: limit, into: &out)
        }
        return out
    }

    /// Appends the `PERSONALIZATION` rows of the CSV `name` (streamed) until `out` holds `limit`.
    private func readCSV(_ name: String, limit: Int, into out: inout [Lead]) throws(DeskError) {
        let path = Path.join(folder, name)
        let display = Path.join(Path.parent(displayPath), name)
        guard FileSystem.exists(path) else {
            throw DeskError(
                .notFound, "campaign \(displayPath) reads its leads from \(display), which does not exist",
                field: "campaign.leads_from")
        }
        var reader: CSVReader
        do throws(Errno) {
            reader = try CSVReader(path: path)
        } catch {
            throw DeskError.io("cannot open \(display)", error)
        }
        defer { reader.close() }
        func nextRow() throws(DeskError) -> CSVReader.Row? {
            do throws(Errno) {
                return try reader.next()
            } catch {
                throw DeskError.io("cannot read \(display)", error)
            }
        }
        guard let header = try nextRow() else { return }
        let names = header.fields.map { Self.trim($0) }
        guard let idColumn = names.firstIndex(where: { $0.lowercased() == "id" }),
            let assignmentColumn = names.firstIndex(where: { $0.lowercased() == "assignment" })
        else {
            throw DeskError(
                .invalidTemplate,
                "\(display): the first line must name the columns, among them id and assignment (then the fields)",
                field: "campaign.leads_from")
        }
        while out.count < limit, let row = try nextRow() {
            guard row.fields.indices.contains(assignmentColumn), Self.isPersonalization(row.fields[assignmentColumn])
            else { continue }
            var lead = Lead(id: nil, fields: JSONObject())
            for (column, value) in row.fields.enumerated()
            where column != idColumn && column != assignmentColumn && column < names.count {
                lead.fields[names[column]] = .string(value)
            }
            if row.fields.indices.contains(idColumn), !row.fields[idColumn].isEmpty {
                lead.id = row.fields[idColumn]
            }
            if let problem = row.problem {
                lead.problem = DeskError(
                    .invalidItem, "\(display) line \(row.line): \(problem)", field: "campaign.leads_from")
            } else if row.fields.count != names.count {
                lead.problem = DeskError(
                    .invalidItem,
                    "\(display) line \(row.line) has \(row.fields.count) fields; the header has \(names.count)",
                    field: "campaign.leads_from")
            } else if lead.id == nil {
                lead.problem = DeskError(
                    .invalidItem, "\(display) line \(row.line) has an empty id", field: "campaign.leads_from")
            }
            out.append(lead)
        }
    }
}
