import DeskKit
import Foundation
import Generation
import Testing

/// A desk layout in a fresh temporary folder with one org's template folder.
func temporaryLayout() throws -> DeskLayout {
    var template = Array((NSTemporaryDirectory() + "/copydesk-generation.XXXXXX").utf8CString)
    guard let path = mkdtemp(&template) else { throw Errno(errno, "mkdtemp") }
    let layout = DeskLayout(root: String(cString: path))
    try FileSystem.createDirectory(layout.templates(org: "default"))
    return layout
}

func writeTemplate(_ text: String, id: String, in layout: DeskLayout) throws {
    try AtomicFile.write(Array(text.utf8), to: layout.templates(org: "default") + "/\(id).json")
}

let welcome = #"""
    {"id": "welcome", "approved": true, "variants": [
      {"id": "draft", "approved": false, "vars": {"s": "draft"}},
      {"id": "warm", "vars": {"s": "Hi {{ name | capitalize }}{% if plan %} ({{ plan | upcase }}){% endif %}", "n": "{{ item.id }}/{{ attrs.src }}"}},
      {"id": "short", "vars": {"s": "{{ name | default: 'friend' }}"}}]}
    """#

struct ContentGeneratorTests {
    static func item(_ fields: JSONObject, copyID: String? = nil, template: String = "welcome") -> WorkItem {
        var item = WorkItem(index: 0)
        item.id = "i1"
        item.templateID = template
        item.copyID = copyID
        item.fields = fields
        item.attrs = JSONObject([("src", "crm")])
        return item
    }

    @Test func theVariantIsRenderedWithTheFields() throws {
        let layout = try temporaryLayout()
        try writeTemplate(welcome, id: "welcome", in: layout)
        let generator = ContentGenerator(templates: TemplateStore(layout: layout))
        let outcome = generator.generate(
            Self.item(JSONObject([("name", "ann"), ("plan", "pro")]), copyID: "warm"), org: "default")
        #expect(outcome.state == .generated)
        #expect(outcome.copyID == "warm")
        #expect(outcome.content?["s"] == "Hi Ann (PRO)")
        #expect(outcome.content?["n"] == "i1/crm")
    }

    @Test func copyIDForcesAVariant() throws {
        let layout = try temporaryLayout()
        try writeTemplate(welcome, id: "welcome", in: layout)
        let generator = ContentGenerator(templates: TemplateStore(layout: layout))
        let outcome = generator.generate(Self.item(JSONObject(), copyID: "short"), org: "default")
        #expect(outcome.copyID == "short")
        #expect(outcome.content?["s"] == "friend")
    }

    @Test(arguments: [
        ("nope", nil as String?, "NOT_FOUND"),
        ("welcome", "missing", "NOT_FOUND"),
        ("welcome", "draft", "NOT_FOUND"),
        ("unapproved", nil, "TEMPLATE_NOT_APPROVED"),
        ("broken", nil, "INVALID_TEMPLATE"),
        ("badjson", nil, "INVALID_TEMPLATE"),
    ])
    func problemsFailTheItemWithACode(template: String, copyID: String?, code: String) throws {
        let layout = try temporaryLayout()
        try writeTemplate(welcome, id: "welcome", in: layout)
        try writeTemplate(#"{"id": "u", "variants": [{"id": "a", "vars": {"s": "x"}}]}"#, id: "unapproved", in: layout)
        try writeTemplate(
            #"{"id": "b", "approved": true, "variants": [{"id": "a", "vars": {"s": "{% if %}"}}]}"#, id: "broken",
            in: layout)
        try writeTemplate(#"{"id": "#, id: "badjson", in: layout)
        let generator = ContentGenerator(templates: TemplateStore(layout: layout))
        let outcome = generator.generate(Self.item(JSONObject(), copyID: copyID, template: template), org: "default")
        #expect(outcome.state == .failed)
        #expect(outcome.error?.code.rawValue == code)
        #expect((outcome.error?.message.count ?? 0) > 10)
    }

    @Test func anEditedTemplateIsReloaded() throws {
        let layout = try temporaryLayout()
        let store = TemplateStore(layout: layout)
        try writeTemplate(#"{"id": "t", "approved": true, "variants": [{"id": "a", "vars": {"s": "one"}}]}"#, id: "t", in: layout)
        let generator = ContentGenerator(templates: store)
        #expect(generator.generate(Self.item(JSONObject(), template: "t"), org: "default").content?["s"] == "one")
        try writeTemplate(
            #"{"id": "t", "approved": true, "variants": [{"id": "a", "vars": {"s": "two, longer"}}]}"#, id: "t", in: layout)
        #expect(generator.generate(Self.item(JSONObject(), template: "t"), org: "default").content?["s"] == "two, longer")
    }
}
