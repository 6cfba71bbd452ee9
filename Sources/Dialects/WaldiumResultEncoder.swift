import DeskKit

/// Writes waldium's documented answers: the batch creation response (the result, written when
/// the batch is admitted), the cancellation response, and the batch status shape.
///
/// ```json
/// {"message": "Batch created successfully",
///  "batch": {"id": "posts-1f0c2a9b", "status": "pending", "totalPosts": 5, "scheduleStrategy": "distribute",
///            "startTime": "2025-01-20T14:00:00Z", "endTime": "2025-01-20T19:00:00Z"},
///  "scheduledPosts": [{"id": "sched_1", "topic": "…", "scheduledFor": "2025-01-20T14:00:00Z", "status": "pending"}],
///  "site": {"id": "default", "name": "default"}}
/// ```
/// The site is the org. A post rejected at admission is listed with `status: "failed"` and its
/// `error`; `warnings` is added when the schedule's start was in the past.
public enum WaldiumResultEncoder {
    /// The batch creation response. O(posts).
    public static func admission(_ result: BatchResult) -> JSONValue {
        let schedule = result.request.schedule
        var batch = JSONObject()
        batch["id"] = .string(result.batchID)
        batch["status"] = "pending"
        batch["totalPosts"] = .int(result.request.items.count)
        batch["scheduleStrategy"] = .string(schedule.strategyName)
        if let start = schedule.start { batch["startTime"] = .string(start.iso8601Seconds) }
        if let end = schedule.end { batch["endTime"] = .string(end.iso8601Seconds) }
        if let rate = schedule.perHour {
            batch["postsPerHour"] = rate.rounded() == rate && rate < 1e15 ? .int(Int(rate)) : .double(rate)
        }
        var posts: [JSONValue] = []
        for item in result.request.items {
            var post = JSONObject()
            post["id"] = .string(item.id ?? "sched_\(item.index + 1)")
            post["topic"] = item.topic.map(JSONValue.string) ?? .null
            if result.dueTimes.indices.contains(item.index) {
                post["scheduledFor"] = .string(result.dueTimes[item.index].iso8601Seconds)
            }
            if let error = item.rejection {
                post["status"] = "failed"
                post["error"] = error.json
            } else {
                post["status"] = "pending"
            }
            posts.append(.object(post))
        }
        var o = JSONObject()
        o["message"] = "Batch created successfully"
        o["batch"] = .object(batch)
        o["scheduledPosts"] = .array(posts)
        o["site"] = ["id": .string(result.org), "name": .string(result.org)]
        if !result.warnings.isEmpty { o["warnings"] = .array(result.warnings.map(JSONValue.string)) }
        return .object(o)
    }

    /// The cancellation response: `{message, cancelledPosts}`.
    public static func cancellation(_ cancellation: BatchCancellation) -> JSONValue {
        var o = JSONObject()
        o["message"] =
            cancellation.alreadyFinished
            ? "Batch had already finished: nothing to cancel" : "Batch cancelled successfully"
        o["cancelledPosts"] = .int(cancellation.cancelled)
        o["publishedPosts"] = .int(cancellation.published)
        o["batch"] = ["id": .string(cancellation.batchID)]
        return .object(o)
    }

    /// The status document in the documented shape first (`id, status, progress,
    /// nextPublishTime, createdAt, updatedAt`), then copydesk's own members (the batch state
    /// as `state`). `status` is `pending` until an item was generated, then `processing`,
    /// and finally `completed`, `failed` or `cancelled`.
    public static func status(_ native: JSONObject) -> JSONObject {
        var o = JSONObject()
        let state = native["status"]?.stringValue ?? "in_progress"
        let progress = native["progress"]?.objectValue ?? JSONObject()
        let started = ["generating", "generated", "publishing", "published", "failed"].contains {
            (progress[$0]?.intValue ?? 0) > 0
        }
        let status: String
        switch state {
        case BatchState.completed.rawValue, BatchState.failed.rawValue, BatchState.cancelled.rawValue: status = state
        default: status = started ? "processing" : "pending"
        }
        func seconds(_ key: String) -> JSONValue {
            guard let text = native[key]?.stringValue, let t = Timestamp(iso8601: text) else { return .null }
            return .string(t.iso8601Seconds)
        }
        o["id"] = native["batch_id"] ?? .null
        o["status"] = .string(status)
        o["progress"] = .object(progress)
        o["nextPublishTime"] = seconds("next_publish_time")
        o["createdAt"] = seconds("created_at")
        o["updatedAt"] = seconds("updated_at")
        o["state"] = .string(state)
        for (key, value) in native.members where o[key] == nil { o[key] = value }
        return o
    }
}

/// The waldium batch-generate request (posts on a schedule) and its documented answers.
public struct WaldiumDialect: RequestDialect {
    public init() {}
    public var name: String { RequestFormat.waldium }
    public func decode(_ document: JSONValue, context: DecodeContext) throws(DeskError) -> BatchRequest {
        try WaldiumRequestDecoder.decode(document, context: context)
    }
    /// Not written: a waldium batch is answered at admission.
    public func encodeResult(_ result: BatchResult) -> JSONValue { WaldiumResultEncoder.admission(result) }
    public func encodeAdmission(_ result: BatchResult) -> JSONValue? { WaldiumResultEncoder.admission(result) }
    public func encodeCancellation(_ cancellation: BatchCancellation) -> JSONValue {
        WaldiumResultEncoder.cancellation(cancellation)
    }
    public func statusDocument(_ status: JSONObject) -> JSONObject { WaldiumResultEncoder.status(status) }
}
