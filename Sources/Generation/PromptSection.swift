import DeskKit
import Liquid

/// A template's `"prompt"` section: the system and user messages a provider writes an item from,
/// each a Liquid template rendered with the item's fields.
///
/// ```json
/// {"id": "renewal-note", "approved": true, "output": "markdown",
///  "prompt": {"system": "You write for {{ brand.name | default: 'us' }}.",
///             "user": "Write a renewal note for {{ first_name }} on the {{ plan }} plan."}}
/// ```
/// `user` is required, `system` optional (it then comes from the usual chain, see
/// ``PromptAssembler``). Both are parsed once, with the template.
public struct PromptSection: Sendable {
    /// The system message's Liquid source, if the section has one.
    public var systemSource: String?
    /// The user message's Liquid source.
    public var userSource: String
    /// The parsed system message.
    public var system: Liquid.Template?
    /// The parsed user message.
    public var user: Liquid.Template

    /// Parses a `"prompt"` object of template `template`; throws `INVALID_TEMPLATE` naming the
    /// member at fault.
    public init(json: JSONValue, template: String) throws(DeskError) {
        let file = "template '\(template)'"
        guard case .object(let o) = json else {
            throw DeskError(
                .invalidTemplate, "\(file): prompt must be an object {\"system\", \"user\"}, not \(json.typeName)",
                field: "prompt")
        }
        for key in o.keys where key != "system" && key != "user" {
            throw DeskError(
                .invalidTemplate, "\(file): prompt.\(key) is not a prompt member (system, user)", field: "prompt.\(key)")
        }
        guard case .string(let user)? = o["user"], !user.trimmingSpaces().isEmpty else {
            throw DeskError(.invalidTemplate, "\(file): prompt.user must be a non-empty string of Liquid", field: "prompt.user")
        }
        var systemSource: String?
        switch o["system"] {
        case nil, .null?: break
        case .string(let s)?: systemSource = s
        case let other?:
            throw DeskError(
                .invalidTemplate, "\(file): prompt.system must be a string of Liquid, not \(other.typeName)",
                field: "prompt.system")
        }
        self.userSource = user
        self.systemSource = systemSource
        self.user = try Self.parse(user, name: "\(template)/prompt.user", file: file, field: "prompt.user")
        self.system = try systemSource.map { (s) throws(DeskError) in
            try Self.parse(s, name: "\(template)/prompt.system", file: file, field: "prompt.system")
        }
    }

    private static func parse(_ source: String, name: String, file: String, field: String) throws(DeskError)
        -> Liquid.Template
    {
        do throws(LiquidError) {
            return try Liquid.Template.parse(source, name: name)
        } catch {
            throw DeskError(.invalidTemplate, "\(file): \(error.description)", field: field)
        }
    }

    /// The rendered messages for `variables`: the system message (`nil` when the section has
    /// none, or it renders blank) and the user message. Throws `RENDER_ERROR`.
    func render(_ variables: ValueObject, options: RenderOptions) throws(DeskError) -> (system: String?, user: String) {
        func run(_ template: Liquid.Template, field: String) throws(DeskError) -> String {
            do throws(LiquidError) {
                return try template.render(variables, options: options)
            } catch {
                throw DeskError(.renderError, error.description, field: field)
            }
        }
        let system = try system.map { (t) throws(DeskError) in try run(t, field: "prompt.system") }
        let user = try run(user, field: "prompt.user")
        return (system.flatMap { $0.trimmingSpaces().isEmpty ? nil : $0 }, user)
    }
}

extension CopyTemplate {
    /// Whether a provider writes `item` from the template's prompt section: when the template
    /// has one and either no variants or the item gives a topic or brief.
    public func usesPrompt(for item: WorkItem) -> Bool {
        guard prompt != nil else { return false }
        return variants.isEmpty || item.topic != nil
    }
}

/// A template's prompt section, rendered for one item: what ``PromptAssembler`` adds to its
/// prompt.
public struct TemplatePrompt: Sendable, Equatable {
    /// The rendered system message, if the section has one that is not blank.
    public var system: String?
    /// The rendered user message.
    public var user: String
    /// The template's id and unrendered sources, part of `prompt_version_hash`.
    public var source: String
    /// The template's output (`html`, `markdown`, or `nil` for text).
    public var output: String?

    /// A rendered prompt section.
    public init(system: String?, user: String, source: String, output: String?) {
        self.system = system
        self.user = user
        self.source = source
        self.output = output
    }
}
