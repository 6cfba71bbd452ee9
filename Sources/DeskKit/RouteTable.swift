/// The routes of `copydesk.json` (`"routes": {"crm/*.csv": {...}}`), checked when the desk opens.
///
/// ```json
/// "routes": {
///   "crm/*.csv": {"template_id": "welcome-email", "defaults": {"fields": {"company": "Acme"}}},
///   "exports-*.jsonl": {"template_id": "digest", "done_marker": true}
/// }
/// ```
/// See ``Route`` for the pattern's rules. When several routes match a file, the first one in the
/// file wins.
public struct RouteTable: Sendable, Equatable {
    /// The routes, in the order of `copydesk.json`.
    public var routes: [Route]

    /// The request keys a route's body may hold (those of a native request, without items).
    public static let bodyKeys = [
        "template_id", "defaults", "schedule", "publish", "metadata", "lookback_days", "offset_days", "epsilon",
        "use_cache", "trace",
    ]

    /// No routes.
    public init(routes: [Route] = []) {
        self.routes = routes
    }

    /// The first route for the file `name` of `org`'s inbox folder, or `nil`. O(routes).
    public func route(org: String, name: String) -> Route? {
        routes.first { $0.matches(org: org, name: name) }
    }

    /// Whether `name` is a done-marker (`X.csv.done`) of a route that asks for markers.
    public func isDoneMarker(org: String, name: String) -> Bool {
        guard name.hasSuffix(Route.doneSuffix) else { return false }
        return route(org: org, name: String(name.dropLast(Route.doneSuffix.count)))?.doneMarker == true
    }

    /// Reads the `routes` object of `copydesk.json`; throws `INVALID_REQUEST` naming the route and
    /// key at fault (an unknown key, a pattern with a wildcard in the org, a deeper folder, …).
    public init(json: JSONValue, source: String) throws(DeskError) {
        guard case .object(let object) = json else {
            throw DeskError(
                .invalidRequest, "\(source): routes must be an object of glob → request body, like {\"crm/*.csv\": {\"template_id\": \"welcome\"}}",
                field: "routes")
        }
        var routes: [Route] = []
        for (pattern, value) in object.members {
            let field = "routes.\(pattern)"
            func bad(_ why: String) -> DeskError {
                DeskError(.invalidRequest, "\(source): route \"\(pattern)\": \(why)", field: field)
            }
            let parts = pattern.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let org: String
            let glob: String
            switch parts.count {
            case 1: (org, glob) = (DeskLayout.defaultOrg, parts[0])
            case 2: (org, glob) = (parts[0], parts[1])
            default:
                throw bad(
                    "a pattern is NAME_GLOB (files in inbox/) or ORG/NAME_GLOB (files in inbox/ORG/); copydesk does not look deeper")
            }
            guard Path.isSafeID(org, maxBytes: 64) else {
                throw bad("the org '\(org)' must be a literal folder name (1 to 64 of A-Z a-z 0-9 . _ -), without wildcards")
            }
            let lower = glob.lowercased()
            guard !glob.isEmpty, !glob.hasPrefix("."), lower.hasSuffix(".csv") || lower.hasSuffix(".jsonl"),
                !lower.hasSuffix(".events.jsonl")
            else {
                throw bad("the file glob must end in .csv or .jsonl (not .events.jsonl) and not start with a dot")
            }
            guard case .object(var body) = value else {
                throw bad("the value must be an object: a native request body without items")
            }
            var doneMarker = false
            if let marker = body["done_marker"] {
                guard case .bool(let flag) = marker else { throw bad("done_marker must be true or false") }
                doneMarker = flag
                body["done_marker"] = nil
            }
            for (key, _) in body.members where !Self.bodyKeys.contains(key) {
                let hint =
                    key == "items" || key == "items_from"
                    ? "the items are the rows of the routed file"
                    : key == "idempotency_key"
                        ? "every export would be the same batch; copydesk deduplicates by content"
                        : "known: \((Self.bodyKeys + ["done_marker"]).joined(separator: ", "))"
                throw DeskError(
                    .invalidRequest, "\(source): route \"\(pattern)\": unknown key '\(key)' (\(hint))",
                    field: "\(field).\(key)")
            }
            routes.append(Route(pattern: pattern, org: org, nameGlob: glob, body: body, doneMarker: doneMarker))
        }
        self.routes = routes
    }
}
