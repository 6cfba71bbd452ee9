/// A node of a parsed template: text, an output, or a tag. Immutable, so one parse serves many renders.
enum Node: Sendable {
    /// Literal text.
    case text(String)
    /// `{{ expression | filters }}` or `{% echo ... %}`.
    case output(OutputNode)
    /// `{% assign name = expression %}`.
    case assign(AssignNode)
    /// `{% capture name %}...{% endcapture %}`.
    case capture(CaptureNode)
    /// `if`/`elsif`/`else` or `unless`.
    case conditional(ConditionalNode)
    /// `case`/`when`/`else`.
    case caseTag(CaseNode)
    /// `for`.
    case forLoop(ForNode)
    /// `tablerow`.
    case tablerow(ForNode)
    /// `cycle`.
    case cycle(CycleNode)
    /// `increment` (true) or `decrement` (false) of a named counter.
    case counter(name: String, increment: Bool)
    /// `break`.
    case breakLoop
    /// `continue`.
    case continueLoop
    /// `ifchanged`.
    case ifchanged([Node])
    /// `include`.
    case include(PartialNode)
    /// `render`.
    case render(PartialNode)
    /// A group of nodes (the body of `{% liquid %}`).
    case group([Node])
}
