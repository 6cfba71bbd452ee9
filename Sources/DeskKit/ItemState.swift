/// Where one item stands. Every item ends in `rejected`, `generated` (a draft), `published`,
/// `failed` or `cancelled`.
public enum ItemState: String, Sendable, CaseIterable {
    case rejected, pending, generating, generated, publishing, published, failed, cancelled

    /// Whether nothing more will happen to the item.
    public var isFinal: Bool {
        switch self {
        case .rejected, .generated, .published, .failed, .cancelled: return true
        case .pending, .generating, .publishing: return false
        }
    }
}

/// Where a batch stands: `validating → in_progress → completed | failed | cancelled`.
public enum BatchState: String, Sendable, CaseIterable {
    case validating
    case inProgress = "in_progress"
    case completed, failed, cancelled

    /// Whether the batch is finished.
    public var isFinal: Bool { self == .completed || self == .failed || self == .cancelled }
}

/// How many items of a batch are in each state.
public struct Progress: Sendable, Equatable {
    /// Items per state.
    public private(set) var counts: [ItemState: Int] = [:]

    /// No items.
    public init() {}

    /// Counts `states`.
    public init<S: Sequence>(_ states: S) where S.Element == ItemState {
        for state in states { counts[state, default: 0] += 1 }
    }

    /// All items.
    public var total: Int { counts.values.reduce(0, +) }

    /// Items in `state`.
    public subscript(state: ItemState) -> Int {
        get { counts[state, default: 0] }
        set { counts[state] = newValue }
    }

    /// `{total, rejected, pending, generating, generated, publishing, published, failed, cancelled}`.
    public var json: JSONValue {
        var object = JSONObject()
        object["total"] = .int(total)
        for state in ItemState.allCases { object[state.rawValue] = .int(self[state]) }
        return .object(object)
    }
}
