/// How a template is rendered: strictness, where partials come from, and the limits that keep a
/// hostile template from hanging or exhausting the caller.
public struct RenderOptions: Sendable {
    /// Strict rendering: an undefined variable or property, or an unknown filter, is an error.
    /// In lax mode (the default) an undefined variable is nil and renders as nothing.
    public var strict: Bool
    /// Where `include` and `render` find partials; without one they are errors.
    public var loader: (any TemplateLoader)?
    /// The most loop iterations (`for`, `tablerow`, `render ... for`) in one render, all loops together.
    public var maxLoopIterations: Int
    /// The most bytes of output, and of any one string or capture built while rendering.
    public var maxOutputBytes: Int
    /// The longest a render may take; checked every few steps of work (loop iterations, partials,
    /// filter applications, outputs; a filter over a large value counts for more).
    public var maxRenderTime: Duration
    /// The deepest nesting of `include` and `render`.
    public var maxIncludeDepth: Int

    /// Options for rendering; the default limits suit templates written by people.
    public init(
        strict: Bool = false, loader: (any TemplateLoader)? = nil, maxLoopIterations: Int = 100_000,
        maxOutputBytes: Int = 16 << 20, maxRenderTime: Duration = .seconds(2), maxIncludeDepth: Int = 64
    ) {
        self.strict = strict
        self.loader = loader
        self.maxLoopIterations = maxLoopIterations
        self.maxOutputBytes = maxOutputBytes
        self.maxRenderTime = maxRenderTime
        self.maxIncludeDepth = maxIncludeDepth
    }
}
