import DeskKit

/// What the prompts of one batch share, resolved once per batch: the request's prompt settings
/// and the brand profiles its items use.
public struct PromptContext: Sendable, Equatable {
    /// The request's batch-wide prompt settings.
    public var settings: PromptSettings
    /// Brand profiles by id (`default` included when the org has one).
    public var brands: [String: JSONObject]
    /// Brands an item names that cannot be used, with the error its items get.
    public var brandErrors: [String: DeskError]

    /// A context without brand profiles.
    public init(settings: PromptSettings = PromptSettings(), brands: [String: JSONObject] = [:]) {
        self.settings = settings
        self.brands = brands
        self.brandErrors = [:]
    }

    /// Resolves the brand profiles of `request` in `org` once: the batch's brand (or the org's
    /// `default`, if it has one) and every brand an item names. O(items + brands read).
    public static func resolve(_ request: BatchRequest, org: String, layout: DeskLayout?) -> PromptContext {
        var context = PromptContext(settings: request.prompt)
        guard let layout else { return context }
        var ids = Set<String>()
        ids.insert(request.prompt.brandID ?? "default")
        for item in request.items where item.rejection == nil {
            if let id = item.brandID { ids.insert(id) }
        }
        for id in ids {
            let explicit = id != "default" || request.prompt.brandID != nil
            guard Path.isSafeID(id) else {
                context.brandErrors[id] = DeskError(
                    .invalidItem, "brand id '\(id)' is not a valid id (letters, digits, '.', '_', '-')", field: "brandProfileId")
                continue
            }
            let path = Path.join(layout.brands(org: org), id + ".json")
            guard FileSystem.exists(path) else {
                if explicit {
                    context.brandErrors[id] = DeskError(
                        .notFound, "brand profile '\(id)' does not exist in library/\(org)/brands/", field: "brandProfileId")
                }
                continue
            }
            do throws(JSONFile.ReadError) {
                guard case .object(let profile) = try JSONFile.read(path, limit: 1 << 20) else {
                    context.brandErrors[id] = DeskError(
                        .invalidTemplate, "brand profile library/\(org)/brands/\(id).json must hold a JSON object",
                        field: "brandProfileId")
                    continue
                }
                context.brands[id] = profile
            } catch {
                context.brandErrors[id] = error.deskError(
                    "brand profile library/\(org)/brands/\(id).json", tooLarge: .invalidTemplate, invalid: .invalidTemplate)
            }
        }
        return context
    }

    /// The brand profile of `item`: its own, else the batch's, else the org's default.
    func brand(for item: WorkItem) -> Result<JSONObject?, DeskError> {
        let id = item.brandID ?? settings.brandID ?? "default"
        if let error = brandErrors[id] { return .failure(error) }
        return .success(brands[id])
    }
}
