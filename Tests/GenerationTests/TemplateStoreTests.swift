import DeskKit
import Generation
import Liquid
import Testing

/// The template store keeps templates and every org's partials in one cache, by path and version.
struct TemplateStoreTests {
    static let note = #"""
        {"id": "note", "approved": true, "variants": [{"id": "a", "vars": {"s": "Hi {{ name }}. {% render 'sig' %}"}}]}
        """#

    static func item() -> WorkItem {
        var item = WorkItem(index: 0)
        item.id = "i1"
        item.templateID = "note"
        item.fields = JSONObject([("name", "Ann")])
        return item
    }

    static func writePartial(_ text: String, org: String, in layout: DeskLayout) throws {
        let folder = layout.templates(org: org) + "/partials"
        try FileSystem.createDirectory(folder)
        try AtomicFile.write(Array(text.utf8), to: folder + "/sig.liquid")
    }

    @Test func everyOrgsPartialsLoaderSharesTheStoresCache() throws {
        let store = TemplateStore(layout: try temporaryLayout())
        #expect(store.partials(org: "default").cache === store.cache)
        #expect(store.partials(org: "other").cache === store.cache)
        #expect(store.partials(org: "default") !== store.partials(org: "other"))
    }

    @Test func anUnchangedTemplateAndPartialAreParsedOnceAndAnEditIsSeenAtOnce() throws {
        let layout = try temporaryLayout()
        try writeTemplate(Self.note, id: "note", in: layout)
        try Self.writePartial("-- Dana", org: "default", in: layout)
        let store = TemplateStore(layout: layout)
        let generator = ContentGenerator(templates: store)
        #expect(generator.generate(Self.item(), org: "default").content?["s"] == "Hi Ann. -- Dana")
        #expect(generator.generate(Self.item(), org: "default").content?["s"] == "Hi Ann. -- Dana")
        #expect(store.cache.parses == 2)  // the template file and the partial, once each
        #expect(store.cache.hits >= 2)
        try Self.writePartial("-- Bo", org: "default", in: layout)
        #expect(generator.generate(Self.item(), org: "default").content?["s"] == "Hi Ann. -- Bo")
        #expect(store.cache.parses == 3)
    }

    @Test func twoOrgsPartialsOfOneNameStayApartInTheOneCache() throws {
        let layout = try temporaryLayout()
        try FileSystem.createDirectory(layout.templates(org: "other"))
        try writeTemplate(Self.note, id: "note", in: layout)
        try AtomicFile.write(Array(Self.note.utf8), to: layout.templates(org: "other") + "/note.json")
        try Self.writePartial("-- default", org: "default", in: layout)
        try Self.writePartial("-- other", org: "other", in: layout)
        let store = TemplateStore(layout: layout)
        let generator = ContentGenerator(templates: store)
        #expect(generator.generate(Self.item(), org: "default").content?["s"] == "Hi Ann. -- default")
        #expect(generator.generate(Self.item(), org: "other").content?["s"] == "Hi Ann. -- other")
        #expect(store.cache.count == 4)  // two templates, two partials
    }
}
