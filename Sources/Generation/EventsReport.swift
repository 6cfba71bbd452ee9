import DeskKit

/// What became of an events file: how many events were counted and which lines were bad.
public struct EventsReport: Sendable, Equatable {
    /// One bad line (or array element) and why.
    public struct BadLine: Sendable, Equatable {
        /// The 1-based line (JSON Lines) or the 0-based index (a JSON array).
        public var position: Int
        /// Why it was not counted.
        public var error: DeskError
    }

    /// Whether the file was a JSON array (positions are indexes) rather than JSON Lines.
    public var isArray = false
    /// Events read (blank lines aside).
    public var events = 0
    /// Events counted now.
    public var counted = 0
    /// Good events not counted now because this very file was already applied (a replay after a
    /// crash, or the same file dropped again).
    public var alreadyCounted = 0
    /// The lines that were not counted.
    public var badLines: [BadLine] = []
    /// The templates whose counters changed, sorted.
    public var templates: [String] = []

    /// An empty report.
    public init() {}

    /// `{format, events, counted, already_counted, rejected, templates, errors: [{line|index, code, message, field?}]}`.
    public var json: JSONValue {
        var o = JSONObject()
        o["format"] = "events"
        o["events"] = .int(events)
        o["counted"] = .int(counted)
        o["already_counted"] = .int(alreadyCounted)
        o["rejected"] = .int(badLines.count)
        o["templates"] = .array(templates.map(JSONValue.string))
        o["errors"] = .array(
            badLines.map { bad in
                var e = JSONObject()
                e[isArray ? "index" : "line"] = .int(bad.position)
                e["code"] = .string(bad.error.code.rawValue)
                e["message"] = .string(bad.error.message)
                if let field = bad.error.field { e["field"] = .string(field) }
                return .object(e)
            })
        return .object(o)
    }
}
