import DeskKit

extension Schedule {
    /// The member names a request format uses for a schedule's fields.
    public struct Keys: Sendable {
        public var strategy: String
        public var start: String
        public var end: String
        public var perHour: String

        public init(strategy: String, start: String, end: String, perHour: String) {
            self.strategy = strategy
            self.start = start
            self.end = end
            self.perHour = perHour
        }

        /// The native format: `{strategy, start, end, per_hour}`.
        public static let native = Keys(strategy: "strategy", start: "start", end: "end", perHour: "per_hour")
        /// The waldium format: `{strategy, startTime, endTime, postsPerHour}`.
        public static let waldium = Keys(
            strategy: "strategy", start: "startTime", end: "endTime", perHour: "postsPerHour")
    }

    /// Reads and validates a schedule object; `field` names it in errors (`schedule`).
    ///
    /// Times must be ISO 8601 with a zone, each field within the calendar
    /// (``Timestamp/parse(iso8601:)``: no 31 February, no hour 24, no offset past 23:59); `distribute` needs a start and an end after it;
    /// `burst` needs a start and a positive rate. Problems throw `INVALID_REQUEST` naming the
    /// field. A missing strategy is `immediate` unless `defaultStrategy` says otherwise.
    public init(
        json: JSONValue, keys: Keys = .native, field: String = "schedule", defaultStrategy: String = "immediate"
    ) throws(DeskError) {
        guard case .object(let object) = json else {
            throw DeskError(.invalidRequest, "\(field) must be an object, not \(json.typeName)", field: field)
        }
        func name(_ key: String) -> String { "\(field).\(key)" }
        let strategyValue = object[keys.strategy]
        let strategy: String
        switch strategyValue {
        case nil, .null?: strategy = defaultStrategy
        case .string(let s)?: strategy = s
        case let other?:
            throw DeskError(
                .invalidRequest, "\(name(keys.strategy)) must be a string, not \(other.typeName)",
                field: name(keys.strategy))
        }
        func time(_ key: String) throws(DeskError) -> Timestamp {
            guard let value = object[key], !value.isNull else {
                throw DeskError(
                    .invalidRequest, "the \(strategy) strategy needs \(name(key)) (ISO 8601 with a zone)",
                    field: name(key))
            }
            guard case .string(let text) = value else {
                throw DeskError(
                    .invalidRequest,
                    "\(name(key)) must be an ISO 8601 date and time with a zone, like 2026-12-01T09:00:00Z, not \(value.typeName)",
                    field: name(key))
            }
            switch Timestamp.parse(iso8601: text) {
            case .success(let timestamp): return timestamp
            case .failure(let problem):
                let shown = text.utf8.count > 64 ? String(text.prefix(40)) + "…" : text
                throw DeskError(
                    .invalidRequest,
                    "\(name(key)) '\(shown)' is not a valid time: \(problem); write an ISO 8601 date and time with a zone, like 2026-12-01T09:00:00Z",
                    field: name(key))
            }
        }
        switch strategy {
        case "immediate":
            self = .immediate
        case "distribute":
            let start = try time(keys.start)
            let end = try time(keys.end)
            guard end > start else {
                throw DeskError(
                    .invalidRequest, "\(name(keys.end)) must be after \(name(keys.start))", field: name(keys.end))
            }
            self = .distribute(start: start, end: end)
        case "burst":
            let start = try time(keys.start)
            guard let rate = object[keys.perHour]?.doubleValue, rate > 0, rate.isFinite else {
                throw DeskError(
                    .invalidRequest,
                    "the burst strategy needs \(name(keys.perHour)), a positive number of items per hour",
                    field: name(keys.perHour))
            }
            self = .burst(start: start, perHour: rate)
        default:
            throw DeskError(
                .invalidRequest, "\(name(keys.strategy)) '\(strategy)' is unknown; use immediate, distribute or burst",
                field: name(keys.strategy))
        }
    }
}
