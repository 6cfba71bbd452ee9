import DeskKit

/// Recognises which request format a parsed JSON document is written in.
public enum RequestFormat {
    /// The dialects copydesk knows, by name.
    public static let native = "native"
    public static let justwords = "justwords"
    public static let waldium = "waldium"

    /// The format of `document`, or `nil` when it matches none.
    ///
    /// waldium requests have `schedule` and `posts`; justwords requests have a `requests` array
    /// (of `{template_id, …}`); native requests have `items` or `items_from`.
    public static func detect(_ document: JSONValue) -> String? {
        guard case .object(let root) = document else { return nil }
        if root["schedule"] != nil && root["posts"] != nil && root["items"] == nil && root["items_from"] == nil {
            return waldium
        }
        if case .array? = root["requests"], root["items"] == nil { return justwords }
        if root["items"] != nil || root["items_from"] != nil { return native }
        return nil
    }

    /// The dialect that reads `document`, or `nil` when it matches none.
    public static func dialect(for document: JSONValue) -> (any RequestDialect)? {
        switch detect(document) {
        case justwords?: return JustwordsDialect()
        case waldium?: return WaldiumDialect()
        case native?: return NativeDialect()
        default: return nil
        }
    }

    /// The dialect called `name`, or `nil` for an unknown name.
    public static func dialect(named name: String) -> (any RequestDialect)? {
        switch name {
        case native: return NativeDialect()
        case justwords: return JustwordsDialect()
        case waldium: return WaldiumDialect()
        default: return nil
        }
    }

    /// What a user reads when a document matches no format.
    public static let unknownFormatMessage =
        "the file is JSON but not a request copydesk knows: a native request has an \"items\" array, a justwords request a \"requests\" array, a waldium request \"schedule\" and \"posts\" (see README, \"Request formats\")"
}
