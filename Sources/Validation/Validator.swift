import DeskKit

/// Applies copydesk's rules and limits to a decoded request.
///
/// A whole-request problem (too many items, no items) throws; an item-level problem rejects that
/// item only, with a code, so the rest of the batch is admitted (partial success).
public struct Validator: Sendable {
    /// The most items one request may hold.
    public var maxItems: Int

    /// A validator enforcing `maxItems`.
    public init(maxItems: Int) {
        self.maxItems = maxItems
    }

    /// Checks `request` and returns it with item rejections filled in.
    ///
    /// O(n) in the number of items.
    public func validate(_ request: BatchRequest) throws(DeskError) -> BatchRequest {
        var checked = request
        try validate(&checked)
        return checked
    }

    /// Checks `request` in place, filling in item rejections: no copy of a large request's items.
    ///
    /// O(n) in the number of items.
    public func validate(_ request: inout BatchRequest) throws(DeskError) {
        if request.items.isEmpty {
            throw DeskError(.invalidRequest, "the request has no items: \"items\" is empty", field: "items")
        }
        if request.items.count > maxItems {
            throw DeskError(
                .tooManyItems,
                "the request has \(request.items.count) items; the limit is \(maxItems) per file: split it into several files",
                field: "items")
        }
        var seenIDs: [String: Int] = [:]
        for i in request.items.indices where request.items[i].rejection == nil {
            if let rejection = rejection(of: request.items[i], seenIDs: &seenIDs) { request.items[i].rejection = rejection }
        }
    }

    private func rejection(of item: WorkItem, seenIDs: inout [String: Int]) -> DeskError? {
        let path = "items[\(item.index)]"
        if let id = item.id {
            if let first = seenIDs[id] {
                return DeskError(
                    .invalidItem, "item id '\(id)' is used twice (first at items[\(first)]); ids must be unique in a request",
                    field: path + ".id")
            }
            seenIDs[id] = item.index
        }
        if let templateID = item.templateID, !Path.isSafeID(templateID) {
            return DeskError(
                .invalidItem,
                "template_id '\(templateID)' is not a valid id: use letters, digits, '.', '_' and '-' (no slashes, not starting with '.')",
                field: path + ".template_id")
        }
        return nil
    }
}
