/// What an item that becomes a web page asks for (tented's bulk tents): its name, where it is
/// published, the assets cloned beside it and whether the org's brand is brought in.
public struct PageRequest: Sendable, Equatable {
    /// The page's name (`tent_name`, or the one the batch's naming rules give it).
    public var name: String
    /// The client's own id for the item (`client_item_id`), echoed for reconciliation.
    public var clientItemID: String?
    /// The published path the client asked for (`custom_page_alias`), already checked; `/` is
    /// the site root. `nil` when the page gets a generated alias.
    public var customAlias: String?
    /// The asset ids to clone beside the page, in request order (each a safe id).
    public var assetIDs: [String]
    /// The file names, in `library/<org>/assets/`, of those assets (resolved at admission).
    public var assetFiles: [String]

    /// A page request.
    public init(
        name: String, clientItemID: String? = nil, customAlias: String? = nil, assetIDs: [String] = [],
        assetFiles: [String] = []
    ) {
        self.name = name
        self.clientItemID = clientItemID
        self.customAlias = customAlias
        self.assetIDs = assetIDs
        self.assetFiles = assetFiles
    }
}
