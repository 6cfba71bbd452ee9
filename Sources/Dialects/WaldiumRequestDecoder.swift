import DeskKit
import Scheduling

/// Decodes a waldium batch-generate request (shared/seeds/003): a `schedule`
/// (`{strategy: distribute|burst, startTime, endTime?, postsPerHour?}`), optional `defaults` for
/// every post, and 1 to 100 `posts` of `{topic, …}` that may override any default.
///
/// One ``WorkItem/Kind/post`` item per post, id `sched_<n>` (1-based, as the response's
/// `scheduledPosts`), its settings (defaults overlaid with the post's own) in
/// ``WorkItem/fields``, `isDraft` as ``WorkItem/draft``. A bad schedule, no posts, a default of
/// the wrong type or another whole-request problem is `INVALID_REQUEST`; more than 100 posts is
/// `TOO_MANY_ITEMS`; a post without a topic or with a setting of the wrong type is rejected on its
/// own (`INVALID_ITEM`). Unknown members are ignored, as the API ignores them. O(posts).
public enum WaldiumRequestDecoder {
    /// The most posts one batch may hold.
    public static var maxPosts: Int { RequestFormat.itemCap(of: RequestFormat.waldium) ?? 100 }

    /// The post settings and their JSON types.
    enum Setting {
        case string, bool, strings
    }

    /// Every setting a default or a post may give.
    static let settings: [(String, Setting)] = [
        ("authorId", .string), ("category", .string), ("tags", .strings), ("isDraft", .bool), ("style", .string),
        ("length", .string), ("tone", .string), ("includeExamples", .bool), ("targetAudience", .string),
        ("useKnowledge", .bool), ("selectedFileIds", .strings), ("model", .string),
    ]

    /// Decodes `document`, which ``RequestFormat/detect(_:)`` recognised as waldium.
    public static func decode(_ document: JSONValue, context: DecodeContext) throws(DeskError) -> BatchRequest {
        guard case .object(let root) = document else {
            throw DeskError(.invalidRequest, "a request must be a JSON object")
        }
        guard let scheduleValue = root["schedule"], case .object(let scheduleObject) = scheduleValue else {
            throw DeskError(
                .invalidRequest, "schedule must be an object {strategy, startTime, endTime | postsPerHour}",
                field: "schedule")
        }
        switch scheduleObject["strategy"] {
        case .string("distribute")?, .string("burst")?:
            break
        case nil, .null?:
            throw DeskError(
                .invalidRequest, "schedule.strategy is required: \"distribute\" or \"burst\"",
                field: "schedule.strategy")
        case let other?:
            throw DeskError(
                .invalidRequest,
                "schedule.strategy must be \"distribute\" or \"burst\", not \(other.serializedString())",
                field: "schedule.strategy")
        }
        let schedule = try Schedule(json: scheduleValue, keys: .waldium)
        var defaults = JSONObject()
        if let value = root["defaults"], !value.isNull {
            guard case .object(let object) = value else {
                throw DeskError(.invalidRequest, "defaults must be an object, not \(value.typeName)", field: "defaults")
            }
            defaults = try checkedSettings(object, path: "defaults", code: .invalidRequest)
        }
        guard case .array(let posts)? = root["posts"] else {
            throw DeskError(.invalidRequest, "posts must be an array of {topic, …}", field: "posts")
        }
        guard !posts.isEmpty else {
            throw DeskError(.invalidRequest, "posts is empty: give 1 to \(maxPosts) posts", field: "posts")
        }
        guard posts.count <= maxPosts else {
            throw DeskError(
                .tooManyItems,
                "posts has \(posts.count) entries; a batch takes at most \(maxPosts): split it into several files",
                field: "posts")
        }
        var items: [WorkItem] = []
        items.reserveCapacity(posts.count)
        for (index, post) in posts.enumerated() {
            let path = "posts[\(index)]"
            var item = WorkItem(index: index, id: "sched_\(index + 1)", kind: .post, fields: defaults)
            item.draft = defaults["isDraft"]?.boolValue ?? false
            do throws(DeskError) {
                guard case .object(let o) = post else {
                    throw DeskError(
                        .invalidItem, "\(path) must be an object {topic, …}, not \(post.typeName)", field: path)
                }
                guard case .string(let topic)? = o["topic"], topic.contains(where: { !$0.isWhitespace }) else {
                    throw DeskError(.invalidItem, "\(path) needs a topic: a non-empty string", field: "\(path).topic")
                }
                item.topic = topic
                for (key, value) in try checkedSettings(o, path: path, code: .invalidItem).members {
                    item.fields[key] = value
                }
                item.draft = item.fields["isDraft"]?.boolValue ?? false
            } catch {
                item.rejection = error
            }
            items.append(item)
        }
        return BatchRequest(format: RequestFormat.waldium, schedule: schedule, items: items)
    }

    /// The known settings of `object`, type-checked; a wrong type throws `code` naming the field.
    static func checkedSettings(
        _ object: JSONObject, path: String, code: DeskError.Code
    ) throws(DeskError)
        -> JSONObject
    {
        var out = JSONObject()
        for (key, kind) in settings {
            guard let value = object[key], !value.isNull else { continue }
            let ok: Bool
            let expected: String
            switch kind {
            case .string:
                ok = value.stringValue != nil
                expected = "a string"
            case .bool:
                ok = value.boolValue != nil
                expected = "true or false"
            case .strings:
                ok = value.arrayValue?.allSatisfy { $0.stringValue != nil } ?? false
                expected = "an array of strings"
            }
            guard ok else {
                throw DeskError(
                    code, "\(path).\(key) must be \(expected), not \(value.typeName)", field: "\(path).\(key)")
            }
            out[key] = value
        }
        return out
    }
}
