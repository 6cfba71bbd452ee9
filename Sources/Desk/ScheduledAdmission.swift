import DeskKit
import Dialects
import Generation

/// A scheduled batch just admitted (durable, its input archived), handed to the ``Scheduler``.
public struct ScheduledAdmission: Sendable, Equatable {
    /// The batch.
    public var batchID: String
    /// Its org.
    public var org: String
    /// The file it was dropped as.
    public var sourceFile: String
    /// The decoded, validated request.
    public var request: BatchRequest
    /// Each item's due instant, in item order.
    public var due: [Timestamp]
    /// When it was admitted (a start in the past meant this instant).
    public var admittedAt: Timestamp
    /// Warnings about the schedule, written in the result and status.
    public var warnings: [String]
    /// The prompt settings and brand profiles its provider items are written with, resolved
    /// once when the batch is admitted or loaded (off the scheduler's actor).
    public var promptContext = PromptContext()

    /// The dialect of the request.
    var dialect: any RequestDialect { RequestFormat.dialect(named: request.format) ?? NativeDialect() }

    /// The marker that makes the batch durable.
    var marker: ScheduleMarker {
        ScheduleMarker(
            batchID: batchID, org: org, format: request.format, sourceFile: sourceFile, schedule: request.schedule,
            admittedAt: admittedAt)
    }
}

/// A `{"cancel": "<batch_id>"}` file, read and waiting for the ``Scheduler`` to apply it.
public struct CancelOrder: Sendable, Equatable {
    /// The batch to cancel.
    public var batchID: String
    /// The org of the cancel file (a batch of another org is not found).
    public var org: String
    /// The cancel file's id: `<stem>-<hash>`, its result `outbox/<org>/<id>.result.json`.
    public var id: String

    /// Whether `document` is a cancel order: an object whose `cancel` member is a string.
    static func batchID(in document: JSONValue) -> String? {
        guard case .object(let root) = document, case .string(let id)? = root["cancel"] else { return nil }
        return id
    }
}
