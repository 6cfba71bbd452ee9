import DeskKit
import Testing

/// A bulk export holds one ``WorkItem`` and one ``ItemOutcome`` per row (100,000 in
/// `Scripts/bench bulk`), so every byte of them is about 100 KB of peak RSS, more at an
/// array's grown capacity. Fields only some items use go behind a pointer.
struct ItemLayoutTests {
    @Test func itemsAndOutcomesStayTheirSize() {
        // 64-bit platforms; the sizes of the crm branch, before pages (tented) were added.
        #expect(MemoryLayout<WorkItem>.stride <= 408)
        #expect(MemoryLayout<ItemOutcome>.stride <= 256)
    }

    @Test func aPageIsKeptAndComparedByValue() {
        var item = WorkItem(index: 0, page: PageRequest(name: "Home", customAlias: "home"))
        let copy = item
        item.page?.assetIDs = ["logo"]
        #expect(item.page?.assetIDs == ["logo"])
        #expect(copy.page?.assetIDs == [])
        #expect(item != copy)
        #expect(WorkItem(index: 1, page: PageRequest(name: "A")) == WorkItem(index: 1, page: PageRequest(name: "A")))
        item.page = nil
        #expect(item == WorkItem(index: 0))
    }

    @Test func publishedAndURLAreKeptAndComparedByValue() {
        var outcome = ItemOutcome(index: 0, state: .generated)
        outcome.published = "outbox/acme/published/site/home/index.html"
        outcome.url = "https://example.com/home"
        #expect(outcome.published == "outbox/acme/published/site/home/index.html")
        #expect(outcome.url == "https://example.com/home")
        #expect(ItemOutcome(json: outcome.json) == outcome)
        outcome.published = nil
        outcome.url = nil
        #expect(outcome == ItemOutcome(index: 0, state: .generated))
    }
}
