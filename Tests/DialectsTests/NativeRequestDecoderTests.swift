import DeskKit
import Dialects
import Testing

struct NativeRequestDecoderTests {
    static func decode(_ text: String) throws -> BatchRequest {
        try NativeRequestDecoder.decode(try JSONValue.parse(text))
    }

    @Test func defaultsAreOverlaidByItemFields() throws {
        let request = try Self.decode(
            #"""
            {"template_id": "welcome", "idempotency_key": "k1", "metadata": {"src": "crm"},
             "defaults": {"fields": {"plan": "free", "name": "friend"}, "attrs": {"a": 1}},
             "items": [{"id": 7, "fields": {"name": "Ann"}, "copy_id": "warm", "tracking_id": "t"},
                       {"id": "b", "template_id": "other"}]}
            """#)
        #expect(request.format == "native")
        #expect(request.idempotencyKey == "k1")
        #expect(request.metadata == ["src": "crm"])
        #expect(request.publish)
        let first = request.items[0]
        #expect(first.id == "7")
        #expect(first.templateID == "welcome")
        #expect(first.copyID == "warm")
        #expect(first.trackingID == "t")
        #expect(first.fields == JSONObject([("plan", "free"), ("name", "Ann")]))
        #expect(first.attrs == JSONObject([("a", 1)]))
        #expect(request.items[1].templateID == "other")
        #expect(request.items.allSatisfy { $0.rejection == nil })
    }

    @Test(arguments: [
        (#"[1]"#, nil as String?),
        (#"{"items": {}}"#, "items"),
        (#"{"template_id": 3, "items": []}"#, "template_id"),
        (#"{"idempotency_key": "", "items": []}"#, "idempotency_key"),
        (#"{"defaults": [], "items": []}"#, "defaults"),
        (#"{"publish": "yes", "items": []}"#, "publish"),
        (#"{"schedule": {"strategy": "spread"}, "items": []}"#, "schedule.strategy"),
        (#"{"items_from": "../a.csv"}"#, "items_from"),
        (#"{"items_from": 3}"#, "items_from"),
    ])
    func aBadRequestNamesTheField(text: String, field: String?) {
        #expect {
            try Self.decode(text)
        } throws: { error in
            guard let error = error as? DeskError else { return false }
            return error.code == .invalidRequest && error.field == field
        }
    }

    @Test(arguments: [
        (#""just text""#, "items[0]"),
        (#"{"id": 1.5, "template_id": "t"}"#, "items[0].id"),
        (#"{"template_id": "t", "fields": "x"}"#, "items[0].fields"),
        (#"{"id": "no-template"}"#, "items[0].template_id"),
    ])
    func aBadItemIsRejectedAlone(item: String, field: String) throws {
        let request = try Self.decode(#"{"items": [\#(item), {"template_id": "t"}]}"#)
        #expect(request.items[0].rejection?.code == .invalidItem)
        #expect(request.items[0].rejection?.field == field)
        #expect(request.items[1].rejection == nil)
    }

    @Test func aTopicWithoutATemplateIsAPromptItem() throws {
        let request = try Self.decode(#"{"items": [{"topic": "spring sale"}]}"#)
        #expect(request.items[0].kind == .prompt)
    }

    @Test func detectionKnowsTheNativeShape() throws {
        #expect(RequestFormat.detect(try JSONValue.parse(#"{"items": []}"#)) == RequestFormat.native)
        #expect(RequestFormat.detect(try JSONValue.parse(#"{"requests": []}"#)) == RequestFormat.justwords)
        #expect(RequestFormat.detect(try JSONValue.parse(#"{"template_id": "x"}"#)) == nil)
    }
}
