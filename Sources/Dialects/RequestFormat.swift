import DeskKit

/// Recognises which request format a parsed JSON document is written in.
public enum RequestFormat {
    /// The dialects copydesk knows, by name.
    public static let native = "native"

    /// The format of `document`, or `nil` when it matches none.
    ///
    /// Native requests have `items` or `items_from`.
    public static func detect(_ document: JSONValue) -> String? {
        guard case .object(let root) = document else { return nil }
        if root["items"] != nil || root["items_from"] != nil { return native }
        return nil
    }

    /// What a user reads when a document matches no format.
    public static let unknownFormatMessage =
        "the file is JSON but not a request copydesk knows: a native request has an \"items\" array (see README, \"Native requests\")"
}
