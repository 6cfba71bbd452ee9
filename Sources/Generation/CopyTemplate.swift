import DeskKit
import Liquid

/// A template from `library/<org>/templates/<id>.json`, with every variable parsed once.
///
/// ```json
/// {"id": "welcome-email", "approved": true,
///  "variants": [{"id": "a", "vars": {"subject": "Welcome, {{ first_name | capitalize }}"}},
///               {"id": "b", "approved": false, "vars": {"subject": "Hi {{ first_name }}"}}]}
/// ```
/// Only a template with `"approved": true` is used; a variant is usable unless it says
/// `"approved": false`. A variant may target `attrs` (`{"plan": "premium"}` or
/// `{"region": ["us-east", "us-west"]}`, compared lowercased) and a `bucket`, and has a `weight`
/// (default 1) for random traffic. An optional `"bandit"` object overrides the desk's
/// ``BanditSettings`` for this template.
///
/// Instead of variants, or beside them, a template may have a `"prompt"` section
/// (``PromptSection``): a provider then writes the item from it (``usesPrompt(for:)``).
/// Immutable and `Sendable`: one parsed copy serves every worker.
public struct CopyTemplate: Sendable {
    /// One copy variant.
    public struct Variant: Sendable {
        /// The variant's id (`copy_id`).
        public var id: String
        /// Whether the variant may be delivered.
        public var approved: Bool
        /// Targeting attributes (used by variant choice).
        public var attrs: JSONObject
        /// The targeting bucket, if any.
        public var bucket: String?
        /// The relative weight, for weighted choice.
        public var weight: Double
        /// The variables, in the template's order, each a parsed Liquid template.
        public var vars: [(name: String, template: Liquid.Template)]
        /// The targeting attributes, lowercased: each key with the values it accepts.
        public var targets: [(key: String, values: Set<String>)] = []
        /// Whether a variable mentions `item` (the recipient's ids): such a variant's text is
        /// never taken from the render cache.
        public var usesItem = false
    }

    /// The template's id.
    public var id: String
    /// Whether the template may be used at all.
    public var approved: Bool
    /// The variants, in file order.
    public var variants: [Variant]
    /// The template's prompt section, when a provider may write its items.
    public var prompt: PromptSection?
    /// The template's `"bandit"` object (validated), laid over the desk's settings.
    public var bandit: JSONValue?
    /// What a published item of this template is: `nil` for the rendered variables as a JSON
    /// file, `html` for a page (the `html` variable, as `<item>.html`), `markdown` for a post
    /// (the `markdown` variable, as `<item>.md`). From the template's `"output"` (`json`, `html`,
    /// `markdown`; a prompt section's items may also say `text`, the same as `json`).
    public var output: String?
    /// Identifies this version of the file (set by ``TemplateStore``), for the render cache.
    public var revision = ""
    /// The approved variants without a bucket or targeting attributes: what an item with no
    /// bucket and no attrs may get (precomputed, the common case of variant choice).
    public private(set) var untargeted: [Int] = []

    /// Parses a template file's JSON; every Liquid variable is parsed here, once.
    ///
    /// Throws `INVALID_TEMPLATE` naming the variant and variable at fault.
    public init(json: JSONValue, id: String) throws(DeskError) {
        let file = "template '\(id)'"
        guard case .object(let root) = json else {
            throw DeskError(.invalidTemplate, "\(file) must be a JSON object")
        }
        self.id = root["id"]?.stringValue ?? id
        self.approved = root["approved"]?.boolValue ?? false
        if let section = root["prompt"], !section.isNull {
            prompt = try PromptSection(json: section, template: self.id)
        }
        let variantValues: [JSONValue]
        switch root["variants"] {
        case .array(let values)?: variantValues = values
        case nil where prompt != nil, .null? where prompt != nil: variantValues = []
        default:
            throw DeskError(
                .invalidTemplate, "\(file) has no \"variants\" array (or \"prompt\" section)", field: "variants")
        }
        if let bandit = root["bandit"] {
            _ = try BanditSettings().overlaid(with: bandit, path: "bandit", code: .invalidTemplate)
            self.bandit = bandit
        }
        switch root["output"] {
        case nil, .null?, .string("json")?: output = nil
        case .string("text")? where prompt != nil: output = nil
        case .string(let kind)? where kind == "html" || kind == "markdown": output = kind
        case let other?:
            throw DeskError(
                .invalidTemplate,
                "\(file): output must be \"json\", \"html\" or \"markdown\"\(prompt != nil ? " (or \"text\")" : ""), not \(other.serializedString())",
                field: "output")
        }
        var variants: [Variant] = []
        for (i, value) in variantValues.enumerated() {
            let path = "variants[\(i)]"
            guard case .object(let v) = value, let variantID = v["id"]?.stringValue, !variantID.isEmpty else {
                throw DeskError(.invalidTemplate, "\(file): \(path) needs a string \"id\"", field: path)
            }
            guard case .object(let varsObject)? = v["vars"] else {
                throw DeskError(.invalidTemplate, "\(file): \(path) needs a \"vars\" object", field: path + ".vars")
            }
            var vars: [(String, Liquid.Template)] = []
            var usesItem = false
            for (name, source) in varsObject.members {
                guard case .string(let text) = source else {
                    throw DeskError(
                        .invalidTemplate, "\(file): \(path).vars.\(name) must be a string of Liquid",
                        field: "\(path).vars.\(name)")
                }
                if text.contains("item") { usesItem = true }
                do throws(LiquidError) {
                    vars.append((name, try Liquid.Template.parse(text, name: "\(self.id)/\(variantID)/\(name)")))
                } catch {
                    throw DeskError(.invalidTemplate, "\(file): \(error.description)", field: "\(path).vars.\(name)")
                }
            }
            if let output, !vars.contains(where: { $0.0 == output }) {
                throw DeskError(
                    .invalidTemplate, "\(file): \(path) needs a \"\(output)\" variable: the template's output is \(output)",
                    field: "\(path).vars")
            }
            if variants.contains(where: { $0.id == variantID }) {
                throw DeskError(.invalidTemplate, "\(file): \(path) repeats the variant id '\(variantID)'", field: path + ".id")
            }
            var attrs = JSONObject()
            if let a = v["attrs"], !a.isNull {
                guard case .object(let o) = a else {
                    throw DeskError(.invalidTemplate, "\(file): \(path).attrs must be an object", field: path + ".attrs")
                }
                attrs = o
            }
            var targets: [(key: String, values: Set<String>)] = []
            for (key, value) in attrs.members {
                let values = Self.attributeValues(value)
                guard !values.isEmpty else {
                    throw DeskError(
                        .invalidTemplate,
                        "\(file): \(path).attrs.\(key) must be a string, number, boolean or a non-empty array of them",
                        field: "\(path).attrs.\(key)")
                }
                targets.append((key.lowercased(), values))
            }
            var bucket: String?
            if let b = v["bucket"], !b.isNull {
                guard case .string(let s) = b else {
                    throw DeskError(.invalidTemplate, "\(file): \(path).bucket must be a string", field: path + ".bucket")
                }
                bucket = s
            }
            var weight = 1.0
            if let w = v["weight"], !w.isNull {
                guard let d = w.doubleValue, d >= 0, d.isFinite else {
                    throw DeskError(.invalidTemplate, "\(file): \(path).weight must be a number ≥ 0", field: path + ".weight")
                }
                weight = d
            }
            var variant = Variant(
                id: variantID, approved: v["approved"]?.boolValue ?? true, attrs: attrs, bucket: bucket, weight: weight,
                vars: vars)
            variant.targets = targets
            variant.usesItem = usesItem
            variants.append(variant)
        }
        self.variants = variants
        self.untargeted = variants.indices.filter {
            variants[$0].approved && variants[$0].bucket == nil && variants[$0].targets.isEmpty
        }
    }
}

extension CopyTemplate {
    /// The lowercased values an attribute accepts or has: a string, number or boolean, or an
    /// array of them; empty for anything else.
    static func attributeValues(_ value: JSONValue) -> Set<String> {
        switch value {
        case .string(let s): return [s.lowercased()]
        case .int(let i): return [String(i)]
        case .double(let d): return [d.rounded() == d && abs(d) < 1e15 ? String(Int(d)) : String(d)]
        case .bool(let b): return [b ? "true" : "false"]
        case .array(let a):
            var out: Set<String> = []
            for element in a {
                if case .array = element { return [] }
                let v = attributeValues(element)
                if v.isEmpty { return [] }
                out.formUnion(v)
            }
            return out
        default: return []
        }
    }
}
