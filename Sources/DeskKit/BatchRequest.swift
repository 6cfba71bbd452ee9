/// A request file decoded into the model, before validation and generation.
public struct BatchRequest: Sendable, Equatable {
    /// The dialect the request was written in (`native`, `justwords`, …).
    public var format: String
    /// The client's idempotency key: a second request with the same key in the same org is a
    /// duplicate.
    public var idempotencyKey: String?
    /// Whether content is published (`true`) or stops at `generated` as a draft.
    public var publish: Bool
    /// Whether an immediate (unscheduled) batch publishes its generated items at once, into
    /// `outbox/<org>/published/<batch_id>/`: only when the request says `"publish": true` in so
    /// many words (native). Without it an immediate batch is answered in its result only, the
    /// cheap default. A scheduled batch publishes at the due instants either way.
    public var publishImmediately = false
    /// The client's metadata, echoed in the result.
    public var metadata: JSONValue?
    /// When the items are due: at once (`immediate`, the default), or spread over time.
    public var schedule: Schedule
    /// Every item, admitted or rejected, in request order.
    public var items: [WorkItem]
    /// The batch-wide prompt parts of provider items (system prompts, brand, writing defaults).
    public var prompt: PromptSettings
    /// The CSV or JSONL file beside the request whose rows are more items (`items_from`), if any;
    /// its rows are read and appended to ``items`` before validation.
    public var itemsFrom: String?

    /// A request of `format` with `items`.
    public init(
        format: String, idempotencyKey: String? = nil, publish: Bool = true, metadata: JSONValue? = nil,
        schedule: Schedule = .immediate, items: [WorkItem], prompt: PromptSettings = PromptSettings()
    ) {
        self.prompt = prompt
        self.schedule = schedule
        self.format = format
        self.idempotencyKey = idempotencyKey
        self.publish = publish
        self.metadata = metadata
        self.items = items
    }
}
