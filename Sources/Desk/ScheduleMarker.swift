import DeskKit
import Scheduling

/// The durable record of a scheduled batch that has not finished:
/// `state/<org>/<batch_id>.schedule.json`.
///
/// ```json
/// {"batch_id": "posts-1f0c2a9b", "org": "default", "format": "waldium", "source_file": "posts.json",
///  "schedule": {"strategy": "distribute", "start": "…", "end": "…"}, "admitted_at": "…",
///  "request": "archive/default/posts-1f0c2a9b.json"}
/// ```
/// Written before the batch's first status, so a restart finds every scheduled batch without
/// reading status files; each item's due instant is computed again from the schedule, the
/// number of items and `admitted_at` (a start in the past meant that instant). The request's
/// items are read again from the archived request. Removed once the batch is final.
struct ScheduleMarker: Sendable, Equatable {
    var batchID: String
    var org: String
    var format: String
    var sourceFile: String
    var schedule: Schedule
    var admittedAt: Timestamp

    /// The path of the archived request, relative to the desk root.
    var requestPath: String { "archive/\(org)/\(batchID).json" }

    var json: JSONValue {
        [
            "batch_id": .string(batchID), "org": .string(org), "format": .string(format),
            "source_file": .string(sourceFile), "schedule": schedule.json, "admitted_at": .string(admittedAt.iso8601),
            "request": .string(requestPath),
        ]
    }

    init(batchID: String, org: String, format: String, sourceFile: String, schedule: Schedule, admittedAt: Timestamp) {
        self.batchID = batchID
        self.org = org
        self.format = format
        self.sourceFile = sourceFile
        self.schedule = schedule
        self.admittedAt = admittedAt
    }

    init?(json: JSONValue) {
        guard let batchID = json["batch_id"]?.stringValue, let org = json["org"]?.stringValue,
            let format = json["format"]?.stringValue, let sourceFile = json["source_file"]?.stringValue,
            let scheduleJSON = json["schedule"], let schedule = try? Schedule(json: scheduleJSON, keys: .native),
            let admitted = json["admitted_at"]?.stringValue.flatMap(Timestamp.init(iso8601:))
        else { return nil }
        self.init(
            batchID: batchID, org: org, format: format, sourceFile: sourceFile, schedule: schedule, admittedAt: admitted
        )
    }

    /// The marker of `batchID` in `org`, if there is a readable one.
    static func load(layout: DeskLayout, org: String, batchID: String) -> ScheduleMarker? {
        let path = layout.scheduleMarker(org: org, batchID: batchID)
        guard FileSystem.exists(path), let bytes = try? FileSystem.readFile(path, limit: 1 << 20),
            let json = try? JSONValue.parse(bytes)
        else { return nil }
        return ScheduleMarker(json: json)
    }

    /// Every marker of the desk. O(files in state/<org>/ + markers read).
    static func all(layout: DeskLayout) -> [ScheduleMarker] {
        keys(layout: layout).compactMap { load(layout: layout, org: $0.org, batchID: $0.batchID) }
    }

    /// The org and batch id of every marker of the desk, from the folder listings alone (no
    /// marker is read). O(files in state/<org>/).
    static func keys(layout: DeskLayout) -> [(org: String, batchID: String)] {
        var keys: [(org: String, batchID: String)] = []
        for org in (try? FileSystem.entries(of: layout.state)) ?? []
        where org.kind == .directory && org.name != "claims" {
            for entry in (try? FileSystem.entries(of: layout.state(org: org.name))) ?? []
            where entry.name.hasSuffix(".schedule.json") && !entry.name.hasPrefix(".") {
                keys.append((org.name, String(entry.name.dropLast(".schedule.json".count))))
            }
        }
        return keys
    }

    /// Writes the marker atomically and durably.
    func write(layout: DeskLayout) throws(Errno) {
        try FileSystem.ensureDirectory(layout.state(org: org))
        try AtomicFile.write(json.serialized(pretty: true), to: layout.scheduleMarker(org: org, batchID: batchID))
    }

    /// Deletes the marker (the batch is final).
    func remove(layout: DeskLayout) {
        try? FileSystem.remove(layout.scheduleMarker(org: org, batchID: batchID))
    }
}
