import DeskKit

/// Turns the rows of a CSV or JSONL file into native items: the file an `items_from` request
/// names, or a bare export a route matched. Streamed: the file is read through one fixed buffer
/// and hashed in the same pass; only the items are kept.
///
/// Each row is one item. A column (CSV header) or key (JSONL object) named `id`, `user_id`,
/// `tracking_id`, `template_id`, `copy_id`, `bucket_name` (or `bucket`), `topic`, `brief`,
/// `instructions`, `modality`, `brand_id` or `custom_prompt` sets that item key; one named
/// `attrs.NAME` sets the targeting attribute NAME; every other one is a template field, laid over
/// `defaults.fields`. An empty CSV cell sets nothing (a default field then applies). A bad row
/// (wrong number of fields, invalid UTF-8, an unterminated quote, a JSONL line that is not a JSON
/// object) becomes an item rejected `INVALID_ITEM` whose message names its line; the rest go on.
public struct ItemsFromReader {
    /// The two file formats.
    public enum Format: String, Sendable {
        case csv, jsonl

        /// The format of a file named `name`, from its extension; `nil` for any other name.
        public init?(name: String) {
            switch Path.extension(name) {
            case "csv": self = .csv
            case "jsonl": self = .jsonl
            default: return nil
            }
        }
    }

    /// What every row starts from: the request's template, defaults and choice options.
    public struct Defaults: Sendable {
        public var templateID: String?
        public var fields: JSONObject
        public var attrs: JSONObject
        public var options: ChoiceOptions

        /// Defaults.
        public init(
            templateID: String? = nil, fields: JSONObject = JSONObject(), attrs: JSONObject = JSONObject(),
            options: ChoiceOptions = ChoiceOptions()
        ) {
            self.templateID = templateID
            self.fields = fields
            self.attrs = attrs
            self.options = options
        }
    }

    /// What reading a file gave (its items went into the array given).
    public struct Output: Sendable {
        /// How many items (rows, good or rejected) were appended.
        public var count: Int
        /// The hex SHA-256 of the file's bytes.
        public var hexDigest: String
        /// Whether reading stopped at the limit, with rows left.
        var exceededLimit = false
    }

    /// Where a column's value goes.
    enum Role: Equatable {
        case key(String)
        case attr(String)
        case field(String)
        case ignored
    }

    /// The item keys a column may set.
    public static let itemKeys: Set<String> = [
        "id", "user_id", "tracking_id", "template_id", "copy_id", "bucket_name", "bucket", "topic", "brief",
        "instructions", "modality", "brand_id", "custom_prompt",
    ]

    /// Whether `name` may be an `items_from` value: one safe file name in the request's own folder
    /// (no `/`, no `..` or leading dot, no control character or NUL, at most 128 bytes, not a name
    /// the intake ignores) ending in `.csv` or `.jsonl`, not an events file.
    public static func isSafeName(_ name: String) -> Bool {
        Path.isSafeComponent(name) && Format(name: name) != nil && !name.lowercased().hasSuffix(".events.jsonl")
            && !name.hasSuffix("~")
    }

    static func role(of name: String) -> Role {
        if name.isEmpty { return .ignored }
        if itemKeys.contains(name) { return .key(name == "bucket" ? "bucket_name" : name) }
        if name.hasPrefix("attrs."), name.count > 6 { return .attr(String(name.dropFirst(6))) }
        return .field(name)
    }

    /// Reads the file at `path` (shown to users as `displayName`), appending to `items` at most
    /// `limit` items numbered from `items.count` (appended in place: no second array of items). Throws `TOO_MANY_ITEMS` past the limit (reading stops
    /// there), `INVALID_REQUEST` for a CSV without a header, an `IO_ERROR` when the file cannot be
    /// read. O(n) in the file's size.
    public static func read(
        path: String, displayName: String, format: Format, defaults: Defaults, into items: inout [WorkItem], limit: Int,
        chunkSize: Int = 64 * 1024
    ) throws(DeskError) -> Output {
        let output: Output
        do throws(Errno) {
            switch format {
            case .csv: output = try readCSV(path, displayName, defaults, &items, limit, chunkSize)
            case .jsonl: output = try readJSONL(path, displayName, defaults, &items, limit, chunkSize)
            }
        } catch {
            throw DeskError.io("cannot read \(displayName)", error)
        }
        if output.exceededLimit { throw tooMany(displayName, limit) }
        return output
    }

    private static func tooMany(_ displayName: String, _ limit: Int) -> DeskError {
        DeskError(
            .tooManyItems,
            "\(displayName) has more rows than the limit of \(limit) items per batch (limits.max_items in copydesk.json): split it into several files",
            field: "items_from")
    }

    private static func readCSV(
        _ path: String, _ displayName: String, _ defaults: Defaults, _ items: inout [WorkItem], _ limit: Int,
        _ chunkSize: Int
    ) throws(Errno) -> Output {
        let firstIndex = items.count
        var reader = try CSVReader(path: path, chunkSize: chunkSize, hashing: true)
        defer { reader.close() }
        guard let header = try reader.next() else {
            return Output(count: 0, hexDigest: reader.hexDigest ?? "")
        }
        let names = header.fields.map { $0.trimmingSpaces }
        let roles = names.map(role(of:))
        let headerProblem =
            header.problem.map { "the header line: \($0)" }
            ?? duplicateColumn(names).map { "the header names column '\($0)' twice" }
        var index = firstIndex
        while let row = try reader.next() {
            if index - firstIndex >= limit {
                return Output(count: index - firstIndex, hexDigest: "", exceededLimit: true)
            }
            var item = WorkItem(index: index, options: defaults.options)
            item.templateID = defaults.templateID
            var fields = defaults.fields
            var attrs = defaults.attrs
            for (column, value) in row.fields.enumerated() where column < roles.count && !value.isEmpty {
                switch roles[column] {
                case .key(let key): set(key, value, on: &item)
                case .attr(let name): attrs[name] = .string(value)
                case .field(let name): fields[name] = .string(value)
                case .ignored: break
                }
            }
            item.fields = fields
            item.attrs = attrs
            let at = "\(displayName) line \(row.line)"
            if let problem = headerProblem ?? row.problem {
                item.rejection = DeskError(.invalidItem, "\(at): \(problem)", field: "items_from")
            } else if row.fields.count != names.count {
                item.rejection = DeskError(
                    .invalidItem, "\(at) has \(row.fields.count) fields; the header has \(names.count)",
                    field: "items_from")
            } else {
                finish(&item, at: at)
            }
            items.append(item)
            index += 1
        }
        return Output(
            count: index - firstIndex, hexDigest: reader.hexDigest ?? "")
    }

    private static func readJSONL(
        _ path: String, _ displayName: String, _ defaults: Defaults, _ items: inout [WorkItem], _ limit: Int,
        _ chunkSize: Int
    ) throws(Errno) -> Output {
        let firstIndex = items.count
        var reader = try JSONLinesReader(path: path, chunkSize: chunkSize, hashing: true)
        defer { reader.close() }
        var index = firstIndex
        while let line = try reader.next() {
            if index - firstIndex >= limit {
                return Output(count: index - firstIndex, hexDigest: "", exceededLimit: true)
            }
            var item = WorkItem(index: index, options: defaults.options)
            item.templateID = defaults.templateID
            let at = "\(displayName) line \(line.number)"
            guard case .object(let object)? = line.value else {
                let what = line.problem ?? "a line must be a JSON object, not \(line.value?.typeName ?? "nothing")"
                item.rejection = DeskError(.invalidItem, "\(at): \(what)", field: "items_from")
                items.append(item)
                index += 1
                continue
            }
            var fields = defaults.fields
            var attrs = defaults.attrs
            for (key, value) in object.members where !value.isNull {
                // A line shaped like a native item nests them: {"fields": {…}, "attrs": {…}}.
                if case .object(let nested) = value, key == "fields" || key == "attrs" {
                    for (name, inner) in nested.members where !inner.isNull {
                        if key == "fields" { fields[name] = inner } else { attrs[name] = inner }
                    }
                    continue
                }
                switch role(of: key) {
                case .key(let name):
                    switch value {
                    case .string(let s): set(name, s, on: &item)
                    case .int(let i) where name == "id" || name == "user_id" || name == "tracking_id":
                        set(name, String(i), on: &item)
                    default:
                        item.rejection =
                            item.rejection
                            ?? DeskError(
                                .invalidItem, "\(at): \(key) must be a string, not \(value.typeName)",
                                field: "items_from")
                    }
                case .attr(let name): attrs[name] = value
                case .field(let name): fields[name] = value
                case .ignored: break
                }
            }
            item.fields = fields
            item.attrs = attrs
            if item.rejection == nil { finish(&item, at: at) }
            items.append(item)
            index += 1
        }
        return Output(count: index - firstIndex, hexDigest: reader.hexDigest ?? "")
    }

    private static func set(_ key: String, _ value: String, on item: inout WorkItem) {
        switch key {
        case "id": item.id = value
        case "user_id": item.userID = value
        case "tracking_id": item.trackingID = value
        case "template_id": item.templateID = value
        case "copy_id": item.copyID = value
        case "bucket_name": item.bucket = value
        case "topic", "brief": item.topic = value
        case "instructions": item.instructions = value
        case "modality": item.modality = value
        case "brand_id": item.brandID = value
        case "custom_prompt": item.customPrompt = value
        default: break
        }
    }

    /// Makes a decoded row a copy or prompt item, or rejects it when it names no template.
    private static func finish(_ item: inout WorkItem, at: String) {
        if item.templateID == nil && item.topic != nil {
            item.kind = .prompt
        } else if item.templateID == nil {
            item.rejection = DeskError(
                .invalidItem, "\(at) names no template: give template_id on the request, the route or a column",
                field: "items_from")
        }
    }

    private static func duplicateColumn(_ names: [String]) -> String? {
        var seen: Set<String> = []
        for name in names where !name.isEmpty && !seen.insert(name).inserted { return name }
        return nil
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
