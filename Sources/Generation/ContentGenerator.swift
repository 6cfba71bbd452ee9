import DeskKit
import Liquid

/// Produces the content of copy items: picks a variant and renders its variables.
///
/// Variant choice, first cut: `copy_id` forces a variant; otherwise the first approved one.
public struct ContentGenerator: Sendable {
    private let templates: TemplateStore

    /// A generator reading templates from `templates`.
    public init(templates: TemplateStore) {
        self.templates = templates
    }

    /// Generates item `item` of `org`: `generated` with its content, or `failed` with an error.
    public func generate(_ item: WorkItem, org: String) -> ItemOutcome {
        var outcome = ItemOutcome(
            index: item.index, id: item.id, state: .failed, templateID: item.templateID, trackingID: item.trackingID)
        guard let templateID = item.templateID else {
            outcome.error = DeskError(.invalidItem, "the item names no template", field: "template_id")
            return outcome
        }
        let template: CopyTemplate
        switch templates.template(org: org, id: templateID) {
        case .success(let t): template = t
        case .failure(let error):
            outcome.error = error
            return outcome
        }
        let variant: CopyTemplate.Variant
        if let copyID = item.copyID {
            guard let forced = template.variants.first(where: { $0.id == copyID }) else {
                outcome.error = DeskError(
                    .notFound, "template '\(templateID)' has no variant '\(copyID)'", field: "copy_id")
                return outcome
            }
            guard forced.approved else {
                outcome.error = DeskError(
                    .notFound, "variant '\(copyID)' of template '\(templateID)' is not approved", field: "copy_id")
                return outcome
            }
            variant = forced
        } else {
            guard let first = template.variants.first(where: \.approved) else {
                outcome.error = DeskError(.notFound, "template '\(templateID)' has no approved variant")
                return outcome
            }
            variant = first
        }
        outcome.copyID = variant.id
        let variables = Self.variables(for: item)
        let options = RenderOptions(loader: templates.partials(org: org))
        var content = JSONObject()
        for (name, liquid) in variant.vars {
            do throws(LiquidError) {
                content[name] = .string(try liquid.render(variables, options: options))
            } catch {
                outcome.error = DeskError(.renderError, error.description, field: "vars.\(name)")
                return outcome
            }
        }
        outcome.content = content
        outcome.state = .generated
        outcome.error = nil
        return outcome
    }

    /// The Liquid variables of an item: its fields (request defaults overlaid with its own), plus
    /// `item` (`id`, `user_id`, `tracking_id`) and `attrs` unless a field of that name exists.
    static func variables(for item: WorkItem) -> ValueObject {
        var variables = ValueObject()
        for (key, value) in item.fields.members { variables[key] = Value(json: value) }
        if variables["item"] == nil {
            var meta = ValueObject()
            if let id = item.id { meta["id"] = .string(id) }
            if let user = item.userID { meta["user_id"] = .string(user) }
            if let tracking = item.trackingID { meta["tracking_id"] = .string(tracking) }
            variables["item"] = .object(meta)
        }
        if variables["attrs"] == nil { variables["attrs"] = Value(json: .object(item.attrs)) }
        return variables
    }
}

extension Value {
    /// The Liquid value of a JSON value; objects keep their key order.
    public init(json: JSONValue) {
        switch json {
        case .null: self = .nil
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(Value.init(json:)))
        case .object(let o): self = .object(ValueObject(o.members.map { ($0.key, Value(json: $0.value)) }))
        }
    }
}
