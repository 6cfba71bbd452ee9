/// tented's naming rules for items without a `tent_name`: the batch's
/// `default_tent_name_prefix`, else its `client_job_descriptor`, else `Bulk tent`, followed by
/// a space and a counter that starts at `start_index` (default 1) and goes up by one per item
/// position, named or not: with `start_index` 1, the third item is `<prefix> 3`.
///
/// A name, prefix or descriptor that is empty or only spaces counts as absent.
public struct TentNaming: Sendable, Equatable {
    /// The fallback when the batch gives neither prefix nor descriptor.
    public static let fallback = "Bulk tent"

    /// `default_tent_name_prefix`.
    public var prefix: String?
    /// `client_job_descriptor`.
    public var descriptor: String?
    /// `start_index`.
    public var startIndex: Int

    /// The rules of one batch.
    public init(prefix: String? = nil, descriptor: String? = nil, startIndex: Int = 1) {
        self.prefix = prefix
        self.descriptor = descriptor
        self.startIndex = startIndex
    }

    /// The name of the item at `index` (from 0) whose own `tent_name` is `own`. O(1).
    public func name(own: String?, index: Int) -> String {
        if let own = Self.given(own) { return own }
        let base = Self.given(prefix) ?? Self.given(descriptor) ?? Self.fallback
        return "\(base) \(startIndex + index)"
    }

    private static func given(_ text: String?) -> String? {
        guard let text, text.contains(where: { !$0.isWhitespace }) else { return nil }
        return text
    }
}
