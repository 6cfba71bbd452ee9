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
/// `"approved": false`. Immutable and `Sendable`: one parsed copy serves every worker.
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
    }

    /// The template's id.
    public var id: String
    /// Whether the template may be used at all.
    public var approved: Bool
    /// The variants, in file order.
    public var variants: [Variant]

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
        guard case .array(let variantValues)? = root["variants"] else {
            throw DeskError(.invalidTemplate, "\(file) has no \"variants\" array", field: "variants")
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
            for (name, source) in varsObject.members {
                guard case .string(let text) = source else {
                    throw DeskError(
                        .invalidTemplate, "\(file): \(path).vars.\(name) must be a string of Liquid",
                        field: "\(path).vars.\(name)")
                }
                do throws(LiquidError) {
                    vars.append((name, try Liquid.Template.parse(text, name: "\(self.id)/\(variantID)/\(name)")))
                } catch {
                    throw DeskError(.invalidTemplate, "\(file): \(error.description)", field: "\(path).vars.\(name)")
                }
            }
            variants.append(
                Variant(
                    id: variantID, approved: v["approved"]?.boolValue ?? true, attrs: v["attrs"]?.objectValue ?? JSONObject(),
                    bucket: v["bucket"]?.stringValue, weight: v["weight"]?.doubleValue ?? 1, vars: vars))
        }
        self.variants = variants
    }
}
