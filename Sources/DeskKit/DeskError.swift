/// An error a user can cause or must act on: a stable code, a message that says what went wrong
/// and what to do, and where it was found.
///
/// Every `DeskError` reaches the user in a result, status or `.error.json` file, never only in a
/// log (as NIO's `FileSystemError`: code, message, cause).
public struct DeskError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable error code, written as its raw value (`INVALID_JSON`).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        // Whole-file rejections.
        /// The file is not valid JSON (line and column say where).
        public static let invalidJSON = Code(rawValue: "INVALID_JSON")
        /// The JSON is valid but a request field is wrong (`field` names it).
        public static let invalidRequest = Code(rawValue: "INVALID_REQUEST")
        /// The request has more items than the limit allows.
        public static let tooManyItems = Code(rawValue: "TOO_MANY_ITEMS")
        /// The file is larger than the limit; it was not read.
        public static let tooLarge = Code(rawValue: "TOO_LARGE")
        /// Neither the file's extension nor its content matches a request format copydesk knows.
        public static let unknownFormat = Code(rawValue: "UNKNOWN_FORMAT")
        /// The inbox entry is a symbolic link, a FIFO or a device, which copydesk never opens.
        public static let unsupportedFile = Code(rawValue: "UNSUPPORTED_FILE")
        /// copydesk may not read the dropped file (its owner or mode keeps the copydesk user out).
        public static let permissionDenied = Code(rawValue: "PERMISSION_DENIED")

        // Per-item rejections and failures.
        /// One item is malformed (`field` names what).
        public static let invalidItem = Code(rawValue: "INVALID_ITEM")
        /// A template, variant, brand, campaign or asset the item names does not exist for its org.
        public static let notFound = Code(rawValue: "NOT_FOUND")
        /// The org's credit budget is spent.
        public static let insufficientCredits = Code(rawValue: "INSUFFICIENT_CREDITS")
        /// No provider can produce what the item asks for.
        public static let unsupportedModality = Code(rawValue: "UNSUPPORTED_MODALITY")
        /// A Liquid template failed to render (the message names template, line and column).
        public static let renderError = Code(rawValue: "RENDER_ERROR")
        /// The library holds a template that cannot be used (bad JSON, a Liquid syntax error).
        public static let invalidTemplate = Code(rawValue: "INVALID_TEMPLATE")
        /// A provider answered with an error that retrying cannot mend (a 4xx, a bad API key, a
        /// command's non-zero exit); the message carries the provider's own words.
        public static let providerError = Code(rawValue: "PROVIDER_ERROR")
        /// A provider could not be reached, or kept failing (connection refused, 5xx, 429) after
        /// every retry.
        public static let providerUnavailable = Code(rawValue: "PROVIDER_UNAVAILABLE")
        /// A provider did not answer within its timeout.
        public static let providerTimeout = Code(rawValue: "PROVIDER_TIMEOUT")
        /// A provider answered with something that is not a usable output (malformed JSON, no text).
        public static let providerBadResponse = Code(rawValue: "PROVIDER_BAD_RESPONSE")

        // Operational.
        /// A filesystem call failed; `cause` holds the call and `errno`.
        public static let ioError = Code(rawValue: "IO_ERROR")
    }

    /// What kind of error this is.
    public var code: Code
    /// What went wrong and what to do about it, in words a user understands.
    public var message: String
    /// The request field at fault, as a path (`items[3].fields`), when there is one.
    public var field: String?
    /// The 1-based line in the file, when the error has a place.
    public var line: Int?
    /// The 1-based column in the file, when the error has a place.
    public var column: Int?
    /// The lower-level error behind this one (a system call and its `errno`), if any.
    public var cause: String?

    /// An error with a code, a message and optional details.
    public init(
        _ code: Code, _ message: String, field: String? = nil, line: Int? = nil, column: Int? = nil,
        cause: String? = nil
    ) {
        self.code = code
        self.message = message
        self.field = field
        self.line = line
        self.column = column
        self.cause = cause
    }

    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let line, let column { text += " (line \(line), column \(column))" }
        if let cause { text += " [\(cause)]" }
        return text
    }

    /// The error as `{code, message, field?, line?, column?, cause?}`.
    public var json: JSONValue {
        var object = JSONObject()
        object["code"] = .string(code.rawValue)
        object["message"] = .string(message)
        if let field { object["field"] = .string(field) }
        if let line { object["line"] = .int(line) }
        if let column { object["column"] = .int(column) }
        if let cause { object["cause"] = .string(cause) }
        return .object(object)
    }

    /// Reads an error back from its ``json`` form; `nil` if it is not one.
    public init?(json: JSONValue) {
        guard let code = json["code"]?.stringValue, let message = json["message"]?.stringValue else { return nil }
        self.init(
            Code(rawValue: code), message, field: json["field"]?.stringValue, line: json["line"]?.intValue,
            column: json["column"]?.intValue, cause: json["cause"]?.stringValue)
    }

    /// An `IO_ERROR` for a failed system call, with `what` saying what copydesk was doing.
    public static func io(_ what: String, _ error: Errno) -> DeskError {
        DeskError(.ioError, "\(what): \(error.reason)", cause: error.description)
    }
}
