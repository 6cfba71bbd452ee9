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

    /// A context.
    public init(batchID: String, org: String, fileName: String) {
        self.batchID = batchID
        self.org = org
        self.fileName = fileName
    }
}

/// A finished batch, as a dialect's result encoder sees it.
public struct BatchResult: Sendable {
    public var batchID: String
    public var org: String
    public var status: BatchState
    public var request: BatchRequest
    public var outcomes: [ItemOutcome]
    public var completedAt: Timestamp

    /// A finished batch.
    public init(
        batchID: String, org: String, status: BatchState, request: BatchRequest, outcomes: [ItemOutcome],
        completedAt: Timestamp
    ) {
        self.batchID = batchID
        self.org = org
        self.status = status
        self.request = request
        self.outcomes = outcomes
        self.completedAt = completedAt
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
}

/// The native request format and result (README, "Native requests").
public struct NativeDialect: RequestDialect {
    public init() {}
    public var name: String { RequestFormat.native }
    public func decode(_ document: JSONValue, context: DecodeContext) throws(DeskError) -> BatchRequest {
        try NativeRequestDecoder.decode(document)
    }
    public func encodeResult(_ result: BatchResult) -> JSONValue {
        NativeResultEncoder.encode(
            batchID: result.batchID, org: result.org, status: result.status, request: result.request,
            outcomes: result.outcomes, completedAt: result.completedAt)
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
}
