/// The settings of a desk: built-in defaults, overridden by `ROOT/copydesk.json`.
///
/// ```json
/// {
///   "limits": {"max_file_bytes": 67108864, "max_items": 100000, "max_depth": 64,
///              "max_string_bytes": 1048576, "max_output_bytes": 1048576},
///   "intake": {"reconcile_seconds": 30, "poll_seconds": null, "settle_seconds": 1},
///   "workers": 8,
///   "bandit": {"algorithm": "thompson", "epsilon": 0.1, "min_impressions": 100},
///   "schedule": {"lead_seconds": 7200},
///   "providers": [{"name": "local", "type": "openai", "base_url": "http://127.0.0.1:8181/v1", "model": "smollm2"}],
///   "base_url": "https://pages.example.com",
///   "orgs": {"acme": {"credits": 5000}}
/// }
/// ```
/// An unknown key is an error, so a typo never silently falls back to a default.
public struct DeskConfiguration: Sendable, Equatable {
    /// The largest request file copydesk reads; larger files are rejected `TOO_LARGE` unread.
    public var maxFileBytes: Int = 64 * 1024 * 1024
    /// The most items one native request may hold; more is `TOO_MANY_ITEMS`.
    public var maxItems: Int = 100_000
    /// The deepest nesting of arrays and objects in a request (`limits.max_depth`); deeper is
    /// `INVALID_JSON`, so a hostile file cannot exhaust the stack of any code walking the tree.
    public var maxDepth: Int = 64
    /// The longest string in a request, member names included, in bytes
    /// (`limits.max_string_bytes`); longer is `INVALID_REQUEST` naming the field.
    public var maxStringBytes: Int = 1 << 20
    /// The most bytes one render of a template may produce: each variable of a copy variant,
    /// each part of a prompt section (`limits.max_output_bytes`); more fails the item
    /// `RENDER_ERROR`.
    public var maxOutputBytes: Int = 1 << 20
    /// Seconds between reconciliation scans of the inbox in inotify mode.
    public var reconcileSeconds: Double = 30
    /// When set, poll the inbox every this many seconds instead of using inotify.
    public var pollSeconds: Double?
    /// How long a file found by a scan (not announced by inotify) must have been left unmodified
    /// before it is taken, so a writer that started before copydesk is not read early.
    public var settleSeconds: Double = 1
    /// How many files are processed at once (blocking I/O threads).
    public var workers: Int = 8
    /// Items rendered between two checkpoints of a large batch (item journal and status write).
    public var checkpointItems: Int = 2_000
    /// Least seconds between two status writes of one running batch (writes are coalesced).
    public var statusIntervalSeconds: Double = 0.5
    /// How variants are chosen unless a template or request says otherwise.
    public var bandit = BanditSettings()
    /// How long before its due instant a scheduled item is generated (`schedule.lead_seconds`).
    public var leadSeconds: Double = 7_200
    /// How long a scheduled batch's lease lives without a renewal before another process takes
    /// the batch over (`schedule.lease_seconds`); renewed every third of it.
    public var leaseSeconds: Double = 30
    /// The providers, in order of preference (``ProviderSettings``); the built-in `offline`
    /// provider when the file names none.
    public var providers: [ProviderSettings] = [.offline]
    /// The public address of the published site (`outbox/<org>/published/site/`), without a
    /// trailing slash: a page published at alias `a` is at `<base_url>/a`. `nil`: no URLs.
    public var baseURL: String?
    /// Each org's credit budget (`orgs.<org>.credits`): how many items it may have admitted in
    /// all. An org without one is unlimited.
    public var credits: [String: Int] = [:]
    /// The routes that turn bare CSV and JSONL exports into batches (``RouteTable``).
    public var routes = RouteTable()
    /// How long a request waits for the file its `items_from` names, and how long a CSV or JSONL
    /// file no route matches waits for a request to name it, before either is rejected
    /// (`intake.items_from_wait_seconds`).
    public var itemsFromWaitSeconds: Double = 30

    /// The built-in defaults.
    public init() {}

    /// Reads `ROOT/copydesk.json` if present; the defaults otherwise.
    ///
    /// Throws a ``DeskError`` with code `INVALID_REQUEST` naming the bad key.
    public static func load(root: String) throws(DeskError) -> DeskConfiguration {
        let path = Path.join(root, "copydesk.json")
        guard FileSystem.exists(path) else { return DeskConfiguration() }
        let json: JSONValue
        do throws(JSONFile.ReadError) {
            json = try JSONFile.read(path, limit: 1 << 20)
        } catch {
            throw error.deskError(path, tooLarge: .tooLarge, invalid: .invalidJSON)
        }
        return try DeskConfiguration(json: json, source: path)
    }

    /// Reads settings from a parsed `copydesk.json`.
    public init(json: JSONValue, source: String = "copydesk.json") throws(DeskError) {
        guard case .object(let root) = json else {
            throw DeskError(.invalidRequest, "\(source) must hold a JSON object")
        }
        func bad(_ field: String, _ expected: String) -> DeskError {
            DeskError(.invalidRequest, "\(source): \(field) must be \(expected)", field: field)
        }
        func positive(_ value: JSONValue, _ field: String) throws(DeskError) -> Double {
            guard let d = value.doubleValue, d > 0 else { throw bad(field, "a positive number") }
            return d
        }
        func count(_ value: JSONValue, _ field: String) throws(DeskError) -> Int {
            guard let i = value.intValue, i > 0 else { throw bad(field, "a positive integer") }
            return i
        }
        for (key, value) in root.members {
            switch key {
            case "limits":
                guard case .object(let limits) = value else { throw bad("limits", "an object") }
                for (name, v) in limits.members {
                    switch name {
                    case "max_file_bytes": maxFileBytes = try count(v, "limits.max_file_bytes")
                    case "max_items": maxItems = try count(v, "limits.max_items")
                    case "max_depth":
                        maxDepth = try count(v, "limits.max_depth")
                        guard maxDepth <= JSONValue.defaultMaxDepth else {
                            throw bad("limits.max_depth", "a positive integer, at most \(JSONValue.defaultMaxDepth)")
                        }
                    case "max_string_bytes": maxStringBytes = try count(v, "limits.max_string_bytes")
                    case "max_output_bytes": maxOutputBytes = try count(v, "limits.max_output_bytes")
                    default:
                        throw bad(
                            "limits.\(name)",
                            "one of max_file_bytes, max_items, max_depth, max_string_bytes, max_output_bytes (unknown key)")
                    }
                }
            case "intake":
                guard case .object(let intake) = value else { throw bad("intake", "an object") }
                for (name, v) in intake.members {
                    switch name {
                    case "reconcile_seconds": reconcileSeconds = try positive(v, "intake.reconcile_seconds")
                    case "poll_seconds": pollSeconds = v.isNull ? nil : try positive(v, "intake.poll_seconds")
                    case "settle_seconds": settleSeconds = try positive(v, "intake.settle_seconds")
                    case "items_from_wait_seconds":
                        guard let d = v.doubleValue, d >= 0, d.isFinite else {
                            throw bad("intake.items_from_wait_seconds", "a number of seconds, 0 or more")
                        }
                        itemsFromWaitSeconds = d
                    default:
                        throw bad(
                            "intake.\(name)",
                            "one of reconcile_seconds, poll_seconds, settle_seconds, items_from_wait_seconds (unknown key)")
                    }
                }
            case "workers": workers = try count(value, "workers")
            case "status_interval_seconds": statusIntervalSeconds = try positive(value, "status_interval_seconds")
            case "checkpoint_items": checkpointItems = try count(value, "checkpoint_items")
            case "bandit":
                bandit = try BanditSettings().overlaid(with: value, path: "bandit", code: .invalidRequest)
            case "schedule":
                guard case .object(let schedule) = value else { throw bad("schedule", "an object") }
                for (name, v) in schedule.members {
                    switch name {
                    case "lead_seconds":
                        guard let d = v.doubleValue, d >= 0, d.isFinite else {
                            throw bad("schedule.lead_seconds", "a number of seconds, 0 or more")
                        }
                        leadSeconds = d
                    case "lease_seconds": leaseSeconds = try positive(v, "schedule.lease_seconds")
                    default: throw bad("schedule.\(name)", "one of lead_seconds, lease_seconds (unknown key)")
                    }
                }
            case "providers":
                providers = try ProviderSettings.list(from: value, source: source)
            case "base_url":
                guard case .string(var url) = value, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    throw bad("base_url", "a URL starting with http:// or https://")
                }
                while url.hasSuffix("/") { url.removeLast() }
                baseURL = url
            case "orgs":
                guard case .object(let orgs) = value else { throw bad("orgs", "an object keyed by org name") }
                for (org, settings) in orgs.members {
                    guard case .object(let o) = settings else { throw bad("orgs.\(org)", "an object") }
                    for (name, v) in o.members {
                        switch name {
                        case "credits":
                            guard let n = v.intValue, n >= 0 else {
                                throw bad("orgs.\(org).credits", "a whole number of items, 0 or more")
                            }
                            credits[org] = n
                        default: throw bad("orgs.\(org).\(name)", "credits (unknown key)")
                        }
                    }
                }
            case "routes":
                routes = try RouteTable(json: value, source: source)
            default:
                throw DeskError(
                    .invalidRequest,
                    "\(source): unknown setting '\(key)'; known: limits, intake, workers, status_interval_seconds, checkpoint_items, bandit, schedule, providers, routes, base_url, orgs",
                    field: key)
            }
        }
    }
}
