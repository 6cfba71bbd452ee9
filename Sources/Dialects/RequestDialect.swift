import DeskKit

/// Where a request file came from, for a dialect that needs it while decoding (default tracking
/// ids, an org from the path).
public struct DecodeContext: Sendable {
    /// The batch the file becomes.
    public var batchID: String
    /// The org, from the inbox sub-folder.
    public var org: String
    /// The name the file was dropped as.
    public var fileName: String
    /// The org's library folder (`library/<org>`), for a dialect that reads campaigns from it;
    /// `nil` where there is none (a dry run of a lone file).
    public var library: String?

    /// A context.
    public init(batchID: String, org: String, fileName: String, library: String? = nil) {
        self.batchID = batchID
        self.org = org
        self.fileName = fileName
        self.library = library
    }
}

/// A batch as a dialect's result encoder sees it: finished, or just admitted with a schedule.
public struct BatchResult: Sendable {
    public var batchID: String
    public var org: String
    public var status: BatchState
    public var request: BatchRequest
    public var outcomes: [ItemOutcome]
    /// When the batch finished (or, for an admission, when it was admitted).
    public var completedAt: Timestamp
    /// Each item's due instant, in item order (empty for an immediate batch).
    public var dueTimes: [Timestamp]
    /// Warnings about the request (a schedule's start in the past).
    public var warnings: [String]
    /// The `prompt_version_hash` of the batch's provider items (``Prompt/versionHash``), when it
    /// has any: the hash their prompts share, or the first item's when they differ.
    public var promptVersionHash: String?
    /// When the batch was admitted, when that differs from ``completedAt``.
    public var createdAt: Timestamp?

    /// A batch.
    public init(
        batchID: String, org: String, status: BatchState, request: BatchRequest, outcomes: [ItemOutcome],
        completedAt: Timestamp, dueTimes: [Timestamp] = [], warnings: [String] = [], promptVersionHash: String? = nil,
        createdAt: Timestamp? = nil
    ) {
        self.createdAt = createdAt
        self.promptVersionHash = promptVersionHash
        self.batchID = batchID
        self.org = org
        self.status = status
        self.request = request
        self.outcomes = outcomes
        self.completedAt = completedAt
        self.dueTimes = dueTimes
        self.warnings = warnings
    }
}

/// A cancelled batch, as a dialect's cancellation answer sees it.
public struct BatchCancellation: Sendable, Equatable {
    public var batchID: String
    public var org: String
    /// Items that became `cancelled` (pending or generated ones).
    public var cancelled: Int
    /// Items already published, which stay published.
    public var published: Int
    /// Whether the batch had already finished, so nothing could be cancelled.
    public var alreadyFinished: Bool
    /// When the cancellation took effect.
    public var at: Timestamp

    /// A cancellation.
    public init(batchID: String, org: String, cancelled: Int, published: Int, alreadyFinished: Bool, at: Timestamp) {
        self.batchID = batchID
        self.org = org
        self.cancelled = cancelled
        self.published = published
        self.alreadyFinished = alreadyFinished
        self.at = at
    }

    /// The native answer: `{batch_id, org, status, cancelled, published, cancelled_at}`.
    public var json: JSONValue {
        var o = JSONObject()
        o["batch_id"] = .string(batchID)
        o["org"] = .string(org)
        o["status"] = .string(alreadyFinished ? "already_finished" : BatchState.cancelled.rawValue)
        o["cancelled"] = .int(cancelled)
        o["published"] = .int(published)
        o["cancelled_at"] = .string(at.iso8601)
        return .object(o)
    }
}

/// A request format: a decoder from its request body into the model, and an encoder of its own
/// response shape, written to the outbox as the result.
public protocol RequestDialect: Sendable {
    /// The format's name (`native`, `justwords`, …), written in statuses.
    var name: String { get }
    /// Decodes a document this dialect recognised. Throws a whole-file error (`INVALID_REQUEST`,
    /// `TOO_MANY_ITEMS`); problems of single items reject those items only.
    func decode(_ document: JSONValue, context: DecodeContext) throws(DeskError) -> BatchRequest
    /// The result document of a finished batch.
    func encodeResult(_ result: BatchResult) -> JSONValue
    /// The result written when a scheduled batch is admitted, or `nil` when the format answers
    /// only when the batch finishes (``encodeResult(_:)``). A format that answers at admission
    /// is not written to again when the batch finishes.
    func encodeAdmission(_ result: BatchResult) -> JSONValue?
    /// The answer to a cancellation of one of this format's batches.
    func encodeCancellation(_ cancellation: BatchCancellation) -> JSONValue
    /// The status document: copydesk's own members (`batch_id`, `status`, `progress`, …) in
    /// `status`, rearranged into the format's documented shape if it has one.
    func statusDocument(_ status: JSONObject) -> JSONObject
    /// Whether the format's items are published into `outbox/<org>/published/` (a format whose
    /// content travels in its response, like justwords, stops at `generated`).
    var publishes: Bool { get }
    /// Whether an immediate (unscheduled) batch's items are published too when it finishes:
    /// `true` for a format whose documented response only acknowledges the items (lamina's
    /// runs, bavlio's enqueued leads), so that their content can be read somewhere
    /// (`outbox/<org>/published/<batch_id>/<item id>.json`). Native and justwords results carry
    /// the content; waldium batches are always scheduled.
    var publishesImmediateBatches: Bool { get }
}

extension RequestDialect {
    public func encodeAdmission(_ result: BatchResult) -> JSONValue? { nil }
    public func encodeCancellation(_ cancellation: BatchCancellation) -> JSONValue { cancellation.json }
    public func statusDocument(_ status: JSONObject) -> JSONObject { status }
    public var publishes: Bool { true }
    public var publishesImmediateBatches: Bool { false }
}

/// The native request format and result (README, "Native requests").
public struct NativeDialect: RequestDialect {
    public init() {}
    public var name: String { RequestFormat.native }
    public func decode(_ document: JSONValue, context: DecodeContext) throws(DeskError) -> BatchRequest {
        try NativeRequestDecoder.decode(document)
    }
    public func encodeResult(_ result: BatchResult) -> JSONValue {
        NativeResultEncoder.encode(result)
    }
}

/// The justwords batch-generate request and its response keyed by template id.
public struct JustwordsDialect: RequestDialect {
    public init() {}
    public var name: String { RequestFormat.justwords }
    public func decode(_ document: JSONValue, context: DecodeContext) throws(DeskError) -> BatchRequest {
        try JustwordsRequestDecoder.decode(document, context: context)
    }
    public func encodeResult(_ result: BatchResult) -> JSONValue {
        JustwordsResultEncoder.encode(request: result.request, outcomes: result.outcomes)
    }
    public var publishes: Bool { false }
}
