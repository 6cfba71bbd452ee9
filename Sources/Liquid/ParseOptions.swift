/// How a template is parsed.
public struct ParseOptions: Sendable {
    /// Strict parsing: an unknown filter and doubtful syntax (such as `a.0`) are errors.
    /// In lax mode (the default) an unknown filter leaves its input unchanged.
    public var strict: Bool

    /// Options for lax (the default) or strict parsing.
    public init(strict: Bool = false) {
        self.strict = strict
    }
}
