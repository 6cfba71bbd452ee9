import DeskKit
import Dialects
import Testing
import Validation

struct ValidatorTests {
    static func validate(_ text: String, maxItems: Int = 100) throws -> BatchRequest {
        try Validator(maxItems: maxItems).validate(try NativeRequestDecoder.decode(try JSONValue.parse(text)))
    }

    @Test func emptyAndOversizedRequestsAreRejectedWhole() {
        #expect {
            try Self.validate(#"{"items": []}"#)
        } throws: { ($0 as? DeskError)?.code == .invalidRequest }
        #expect {
            try Self.validate(#"{"template_id": "t", "items": [{}, {}, {}]}"#, maxItems: 2)
        } throws: { ($0 as? DeskError)?.code == .tooManyItems }
    }

    @Test func itemProblemsAreRejectedOneByOne() throws {
        let request = try Self.validate(
            #"""
            {"template_id": "t", "items": [
              {"id": "a"}, {"id": "a"}, {"id": "b", "template_id": "../etc/passwd"}, {"id": "c", "topic": "x"}, {"id": "d"}]}
            """#)
        #expect(request.items.map { $0.rejection?.code } == [nil, .invalidItem, .invalidItem, nil, nil])
        #expect(request.items[1].rejection?.message.contains("used twice") == true)
        #expect(request.items[2].rejection?.field == "items[2].template_id")
    }

    @Test func aPromptItemIsAdmittedForAProviderToWrite() throws {
        let request = try Self.validate(#"{"items": [{"id": "c", "topic": "spring", "modality": "video"}]}"#)
        #expect(request.items[0].kind == .prompt)
        #expect(request.items[0].modality == "video")
        #expect(request.items[0].rejection == nil, "whether a provider serves it is decided with the desk's providers")
    }

    @Test(arguments: [("welcome-email", true), ("v1.2_x", true), (".hidden", false), ("a/b", false), ("", false)])
    func templateIDsAreSafeFileNames(id: String, valid: Bool) {
        #expect(Path.isSafeID(id) == valid)
    }
}
