import DeskKit
import Dialects
import Scheduling

/// The status document of a batch: `state/<org>/<batch_id>.status.json`.
///
/// ```json
/// {"batch_id": "welcome-7f3a9c1e", "org": "default", "status": "completed",
///  "progress": {"total": 2, "rejected": 1, "pending": 0, "generated": 1, ...},
///  "next_publish_time": null, "created_at": "…", "updated_at": "…", "completed_at": "…",
///  "source_file": "welcome.json", "result": "outbox/default/welcome-7f3a9c1e.result.json",
///  "duplicates": [{"file": "welcome-again.json", "at": "…"}],
///  "items": [{"index": 0, "id": "row-1", "status": "generated"}, …]}
/// ```
/// A scheduled batch also has `schedule`, `warnings` and `lead_seconds`, and each item its
/// `scheduled_for` and, once published, `published` (the file under the desk root). Items are
/// written one per line, streamed, so a status of a million items never exists as a JSON tree.
public struct BatchStatus: Sendable {
    /// The batch.
    public var batchID: String
    /// Its org.
    public var org: String
    /// The request format.
    public var format: String
    /// The file name it was dropped as.
    public var sourceFile: String
    /// Where it stands.
    public var state: BatchState
    /// When it was admitted.
    public var createdAt: Timestamp
    /// When it finished.
    public var completedAt: Timestamp?
    /// The client's idempotency key.
    public var idempotencyKey: String?
    /// Later drops of the same request: `{file, at}`.
    public var duplicates: [JSONValue] = []
    /// Every item's outcome so far, in request order (an immediate batch).
    public var items: [ItemOutcome]
    /// Every item's state, due instant and details (a scheduled batch); when set, ``items`` is
    /// not used.
    public var table: ScheduledItems?
    /// The schedule of a scheduled batch.
    public var schedule: Schedule?
    /// Seconds before its due instant an item is generated (a scheduled batch).
    public var leadSeconds: Double?
    /// The earliest due instant of an item still to publish.
    public var nextPublishTime: Timestamp?
    /// Warnings about the request (a schedule's start in the past).
    public var warnings: [String] = []
    /// When the batch was cancelled, if it was.
    public var cancelledAt: Timestamp?

    /// A status.
    public init(
        batchID: String, org: String, format: String, sourceFile: String, state: BatchState, createdAt: Timestamp,
        idempotencyKey: String?, items: [ItemOutcome]
    ) {
        self.batchID = batchID
        self.org = org
        self.format = format
        self.sourceFile = sourceFile
        self.state = state
        self.createdAt = createdAt
        self.idempotencyKey = idempotencyKey
        self.items = items
    }

    /// How many items are in each state. O(n).
    public var progress: Progress {
        if let table { return Progress(table.states) }
        return Progress(items.map(\.state))
    }

    /// The members before `items`, in copydesk's own shape.
    func header(updatedAt: Timestamp) -> JSONObject {
        var o = JSONObject()
        o["batch_id"] = .string(batchID)
        o["org"] = .string(org)
        o["format"] = .string(format)
        o["status"] = .string(state.rawValue)
        o["progress"] = progress.json
        o["next_publish_time"] = nextPublishTime.map { .string($0.iso8601) } ?? .null
        o["created_at"] = .string(createdAt.iso8601)
        o["updated_at"] = .string(updatedAt.iso8601)
        o["completed_at"] = completedAt.map { .string($0.iso8601) } ?? .null
        if let cancelledAt { o["cancelled_at"] = .string(cancelledAt.iso8601) }
        o["source_file"] = .string(sourceFile)
        if let idempotencyKey { o["idempotency_key"] = .string(idempotencyKey) }
        if let schedule {
            o["schedule"] = schedule.json
            if let leadSeconds { o["lead_seconds"] = .double(leadSeconds) }
            o["warnings"] = .array(warnings.map(JSONValue.string))
        }
        o["result"] = .string("outbox/\(org)/\(batchID).result.json")
        o["duplicates"] = .array(duplicates)
        return o
    }

    /// The document as `dialect` shapes it, stamped `updatedAt`; items one per line. O(n).
    public func serialized(updatedAt: Timestamp, dialect: (any RequestDialect)?) -> [UInt8] {
        var head = header(updatedAt: updatedAt)
        if let dialect { head = dialect.statusDocument(head) }
        var bytes = JSONValue.object(head).serialized(pretty: true)
        // `…\n}\n`: reopen the object to append the items.
        bytes.removeLast(3)
        bytes.append(contentsOf: ",\n  \"items\": [".utf8)
        let count = table?.states.count ?? items.count
        bytes.reserveCapacity(bytes.count + count * 96)
        for index in 0..<count {
            bytes.append(contentsOf: (index == 0 ? "\n    " : ",\n    ").utf8)
            appendItem(index, to: &bytes)
        }
        bytes.append(contentsOf: (count == 0 ? "]\n}\n" : "\n  ]\n}\n").utf8)
        return bytes
    }

    /// The document as a JSON value (tests, small batches).
    public func json(updatedAt: Timestamp) -> JSONValue {
        (try? JSONValue.parse(serialized(updatedAt: updatedAt, dialect: nil))) ?? .null
    }

    /// Appends item `index` as one compact JSON object, written directly (no tree): a status of
    /// a million items is a million of these. O(1) per item.
    private func appendItem(_ index: Int, to bytes: inout [UInt8]) {
        func key(_ name: StaticString) {
            bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }
        if let table {
            let item = table.items[index]
            let state = table.states[index]
            key("{\"index\":")
            bytes.append(contentsOf: String(index).utf8)
            if let id = item.id {
                key(",\"id\":")
                JSONValue.appendQuoted(id, to: &bytes)
            }
            key(",\"status\":\"")
            bytes.append(contentsOf: state.rawValue.utf8)
            key("\",\"scheduled_for\":\"")
            table.due[index].appendISO8601(to: &bytes)
            bytes.append(0x22)
            if let copyID = table.copyIDs[index] {
                key(",\"copy_id\":")
                JSONValue.appendQuoted(copyID, to: &bytes)
            }
            if state == .published {
                key(",\"published\":")
                JSONValue.appendQuoted(
                    Publisher.relativePath(org: org, batchID: batchID, item: item, format: table.formats[index]),
                    to: &bytes)
            }
            if let error = table.errors[index] ?? item.rejection {
                key(",\"error\":")
                error.json.append(to: &bytes)
            }
            bytes.append(0x7D)
            return
        }
        let item = items[index]
        var i = JSONObject()
        i["index"] = .int(item.index)
        if let id = item.id { i["id"] = .string(id) }
        i["status"] = .string(item.state.rawValue)
        if let copyID = item.copyID { i["copy_id"] = .string(copyID) }
        if let published = item.published { i["published"] = .string(published) }
        if let url = item.url { i["url"] = .string(url) }
        if let error = item.error { i["error"] = error.json }
        JSONValue.object(i).append(to: &bytes)
    }
}

/// The items of a scheduled batch in compact columns: what a status write needs, cheap to copy
/// (each column is copied on write) so the scheduler hands a snapshot to a writer thread.
public struct ScheduledItems: Sendable {
    /// The request's items (ids, topics).
    public var items: [WorkItem]
    /// Each item's state.
    public var states: [ItemState]
    /// Each item's due instant.
    public var due: [Timestamp]
    /// The variant each copy item got.
    public var copyIDs: [String?]
    /// What each item is published as (``ItemOutcome/format``).
    public var formats: [String?]
    /// Errors of failed items (rejections come from the items).
    public var errors: [Int: DeskError]

    /// Columns for `items` due at `due`, every admitted item pending.
    public init(items: [WorkItem], due: [Timestamp]) {
        self.items = items
        self.due = due
        states = items.map { $0.rejection == nil ? .pending : .rejected }
        copyIDs = Array(repeating: nil, count: items.count)
        formats = Array(repeating: nil, count: items.count)
        errors = [:]
    }
}
