import DeskKit

/// One line of an events file: something a recipient did with delivered copy.
///
/// ```json
/// {"tracking_id": "msg_001", "type": "impression", "at": "2026-11-23T09:00:00Z"}
/// {"template_id": "welcome-email", "copy_id": "warm", "type": "conversion", "at": 1795424400}
/// ```
/// A `tracking_id` joins the event to the variant delivered under it; without one, the event
/// names `template_id` and `copy_id` itself. `at` is ISO 8601 with a zone, or Unix seconds.
public struct BanditEvent: Sendable, Equatable {
    /// What happened.
    public enum Kind: String, Sendable, CaseIterable {
        case impression, click, conversion
    }

    /// The tracking id the copy was delivered under.
    public var trackingID: String?
    /// The template, when the event names it.
    public var templateID: String?
    /// The variant, when the event names it.
    public var copyID: String?
    /// What happened.
    public var kind: Kind
    /// When it happened.
    public var at: Timestamp

    /// An event.
    public init(trackingID: String? = nil, templateID: String? = nil, copyID: String? = nil, kind: Kind, at: Timestamp)
    {
        self.trackingID = trackingID
        self.templateID = templateID
        self.copyID = copyID
        self.kind = kind
        self.at = at
    }

    /// Decodes one line's JSON. Throws `INVALID_EVENT` saying which field is wrong. Other keys
    /// (a CRM export's own columns: `email`, `campaign`, …) are ignored.
    public static func decode(_ json: JSONValue) throws(DeskError) -> BanditEvent {
        guard case .object(let o) = json else {
            throw DeskError(.invalidEvent, "an event must be a JSON object, not \(json.typeName)")
        }
        func text(_ key: String) throws(DeskError) -> String? {
            guard let v = o[key], !v.isNull else { return nil }
            switch v {
            case .string(let s) where !s.isEmpty: return s
            case .int(let i) where key == "tracking_id": return String(i)
            default: throw DeskError(.invalidEvent, "\(key) must be a non-empty string, not \(v.typeName)", field: key)
            }
        }
        let trackingID = try text("tracking_id")
        let templateID = try text("template_id")
        let copyID = try text("copy_id")
        guard let typeValue = o["type"] else {
            throw DeskError(.invalidEvent, "the event has no type: impression, click or conversion", field: "type")
        }
        guard let name = typeValue.stringValue, let kind = Kind(rawValue: name) else {
            throw DeskError(
                .invalidEvent,
                "type must be \"impression\", \"click\" or \"conversion\", not \(typeValue.serializedString())",
                field: "type")
        }
        let at: Timestamp
        switch o["at"] {
        case .string(let s)?:
            guard let t = Timestamp(iso8601: s) else {
                throw DeskError(
                    .invalidEvent, "at '\(s)' is not an ISO 8601 time with a zone (2026-11-23T09:00:00Z)", field: "at")
            }
            at = t
        // Unix seconds within ±9e9 (the years 1684 to 2255) fit a Timestamp's nanoseconds.
        case .int(let seconds)? where seconds.magnitude < 9_000_000_000:
            at = Timestamp(nanoseconds: Int64(seconds) * 1_000_000_000)
        case .double(let seconds)? where seconds.isFinite && seconds.magnitude < 9e9:
            at = Timestamp(seconds: seconds)
        case nil, .null?:
            throw DeskError(.invalidEvent, "the event has no \"at\" time", field: "at")
        case .int?, .double?:
            throw DeskError(
                .invalidEvent, "at is out of range: Unix seconds between -9000000000 and 9000000000", field: "at")
        case let other?:
            throw DeskError(
                .invalidEvent, "at must be an ISO 8601 string or Unix seconds, not \(other.typeName)", field: "at")
        }
        if let templateID, !Path.isSafeID(templateID) {
            throw DeskError(
                .invalidEvent, "template_id '\(templateID)' is not a valid id: letters, digits, '.', '_' and '-'",
                field: "template_id")
        }
        if trackingID == nil && (templateID == nil || copyID == nil) {
            throw DeskError(
                .invalidEvent, "the event needs a tracking_id, or both template_id and copy_id", field: "tracking_id")
        }
        return BanditEvent(trackingID: trackingID, templateID: templateID, copyID: copyID, kind: kind, at: at)
    }
}

extension DeskError.Code {
    /// A line of an events file is malformed (the line is skipped; the others count).
    public static let invalidEvent = DeskError.Code(rawValue: "INVALID_EVENT")
}
