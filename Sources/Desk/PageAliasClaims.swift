import DeskKit
import Dialects

/// Who owns each custom page alias of an org: `state/<org>/aliases/<alias>.json` (`_root.json`
/// for `/`), holding `{batch_id, index, tent_id, claimed_at}`.
///
/// An alias belongs to the first item that claims it, across all the org's batches and all the
/// processes sharing the desk: a claim is created with `link(2)` (``AtomicFile/create(_:at:)``),
/// which exactly one writer wins. Claiming again for the same batch and item (a batch admitted
/// again after a crash) finds its own claim and keeps it. A claim is given back when its item is
/// not admitted after all (no credits) or fails, so the alias can be used again.
struct PageAliasClaims: Sendable {
    let layout: DeskLayout
    let clock: any DeskClock

    /// The claim file of `alias` in `org`.
    func path(org: String, alias: String) -> String {
        let name = alias == PageAlias.root ? "_root" : alias
        return Path.join(Path.join(layout.state(org: org), "aliases"), name + ".json")
    }

    /// Claims the custom alias of every admitted item of `request`; an item whose alias another
    /// batch or item owns is rejected `INVALID_ITEM`. O(items).
    ///
    /// The items are only read while claiming, and written only when an alias was refused: a
    /// write inside the loop lets the optimizer make the array unique before the loop, which
    /// copies every item (47 MiB for 100,000 CSV rows) whenever the caller still shares it.
    func claim(_ request: inout BatchRequest, batchID: String, org: String) throws(Errno) {
        var refused: [(position: Int, error: DeskError)] = []
        for (i, item) in request.items.enumerated() where item.rejection == nil {
            guard let alias = item.page?.customAlias else { continue }
            let file = path(org: org, alias: alias)
            try FileSystem.ensureDirectory(Path.parent(file))
            let record: JSONValue = [
                "batch_id": .string(batchID), "index": .int(item.index), "tent_id": .string(item.id ?? ""),
                "claimed_at": .string(clock.now().iso8601),
            ]
            if try AtomicFile.create(record.serialized(pretty: false) + [0x0A], at: file) { continue }
            let owner = (try? FileSystem.readFile(file, limit: 1 << 16)).flatMap { $0 }.flatMap { try? JSONValue.parse($0) }
            let ownerBatch = owner?["batch_id"]?.stringValue
            if ownerBatch == batchID && owner?["index"]?.intValue == item.index { continue }
            let by = ownerBatch.map { $0 == batchID ? "another item of this batch" : "batch '\($0)'" } ?? "another batch"
            refused.append(
                (
                    i,
                    DeskError(
                        .invalidItem,
                        "Invalid custom_page_alias: '\(alias)' is already published by \(by); choose another alias",
                        field: "items[\(item.index)].custom_page_alias")
                ))
        }
        guard !refused.isEmpty else { return }
        for (i, error) in refused { request.items[i].rejection = error }
    }

    /// Gives back the aliases `batchID` claimed for `items` (those it does not own are left). O(items).
    func release(_ items: some Sequence<WorkItem>, batchID: String, org: String) {
        for item in items {
            guard let alias = item.page?.customAlias else { continue }
            let file = path(org: org, alias: alias)
            guard let bytes = (try? FileSystem.readFile(file, limit: 1 << 16)) ?? nil,
                let owner = try? JSONValue.parse(bytes), owner["batch_id"]?.stringValue == batchID,
                owner["index"]?.intValue == item.index
            else { continue }
            try? FileSystem.remove(file)
        }
    }
}
