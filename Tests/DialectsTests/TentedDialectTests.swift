import DeskKit
import Dialects
import Foundation
import Testing

/// A temporary `library/<org>` folder holding `files` (relative path → text).
func tentedLibrary(_ files: [String: String]) throws -> String {
    var template = Array((NSTemporaryDirectory() + "/copydesk-tented.XXXXXX").utf8CString)
    guard let folder = mkdtemp(&template) else { throw Errno(errno, "mkdtemp") }
    let library = String(cString: folder)
    for (name, text) in files {
        let path = Path.join(library, name)
        try FileSystem.createDirectory(Path.parent(path))
        try AtomicFile.write(Array(text.utf8), to: path)
    }
    return library
}

/// The tented format: its alias and naming rules, detection beside native requests, and the
/// decoder's whole-file and per-item rejections.
struct TentedDialectTests {
    static let template = #"{"id": "tpl_1", "approved": true, "output": "html", "variants": [{"id": "a", "vars": {"html": "<p>Hi {{ first_name }}</p>"}}]}"#

    static func library(_ extra: [String: String] = [:]) throws -> String {
        var files = [
            "templates/tpl_1.json": template, "templates/tpl_01JABC123XYZ.json": template, "brands/default.json": #"{"name": "Acme"}"#, "assets/logo.png": "PNG"]
        for (k, v) in extra { files[k] = v }
        return try tentedLibrary(files)
    }

    static func decode(_ text: String, library: String? = nil) throws(DeskError) -> BatchRequest {
        let document = try! JSONValue.parse(text)
        #expect(RequestFormat.detect(document) == "tented")
        return try TentedRequestDecoder.decode(
            document, context: DecodeContext(batchID: "bulk-1f0c2a9b", org: "default", fileName: "bulk.json", library: library))
    }

    // MARK: Alias rules

    @Test(arguments: [
        ("acme-onboarding-jane", nil),
        ("a", nil),
        ("9lives", nil),
        ("v1.2_beta-page", nil),
        ("/", nil),
        (String(repeating: "a", count: 100), nil),
        (String(repeating: "a", count: 101), "at most 100"),
        ("", "empty"),
        ("Acme", "'A' is not allowed"),
        ("acme page", "' ' is not allowed"),
        ("acme/page", "\"/\" alone publishes at the site root"),
        ("café", "'é' is not allowed"),
        ("-acme", "must start with a letter or a digit"),
        ("_acme", "must start with a letter or a digit"),
        (".acme", "must start with a letter or a digit"),
        ("b6f8d617-7cfe-4d63-a8e9-5d971780d57f", "must not be a UUID"),
        ("api", "reserved word"),
        ("admin", "reserved word"),
        ("submit", "reserved word"),
        ("assets", "reserved word"),
        ("api-docs", nil),
    ] as [(String, String?)])
    func aliasRules(alias: String, problem: String?) {
        let found = PageAlias.problem(with: alias)
        if let problem {
            #expect(found?.contains(problem) == true, "\(alias): \(found ?? "nil")")
        } else {
            #expect(found == nil, "\(alias): \(found ?? "")")
        }
    }

    @Test(arguments: [
        ("b6f8d617-7cfe-4d63-a8e9-5d971780d57f", true), ("B6F8D617-7CFE-4D63-A8E9-5D971780D57F", true),
        ("b6f8d6177cfe4d63a8e95d971780d57f", false), ("b6f8d617-7cfe-4d63-a8e9-5d971780d57g", false),
    ])
    func uuidsAreRecognised(text: String, isUUID: Bool) {
        #expect(PageAlias.isUUID(text) == isUUID)
    }

    // MARK: Naming rules

    @Test(arguments: [
        // own name, prefix, descriptor, start index, item index → name
        ("Acme Onboarding Page 1", "Acme onboarding", "Job", 1, 0, "Acme Onboarding Page 1"),
        (nil, "Acme onboarding", "Job", 1, 1, "Acme onboarding 2"),
        (nil, "Acme onboarding", nil, 1, 2, "Acme onboarding 3"),
        (nil, nil, "Acme onboarding batch", 1, 0, "Acme onboarding batch 1"),
        (nil, nil, nil, 1, 0, "Bulk tent 1"),
        (nil, nil, nil, 10, 4, "Bulk tent 14"),
        (nil, "P", nil, 0, 0, "P 0"),
        ("  ", "P", nil, 1, 0, "P 1"),
        (nil, "", "D", 1, 0, "D 1"),
        (nil, " ", " ", 1, 0, "Bulk tent 1"),
    ] as [(String?, String?, String?, Int, Int, String)])
    func namingRules(own: String?, prefix: String?, descriptor: String?, start: Int, index: Int, expected: String) {
        let naming = TentNaming(prefix: prefix, descriptor: descriptor, startIndex: start)
        #expect(naming.name(own: own, index: index) == expected)
    }

    @Test func theDocumentsExampleNamesItsItemsAndGeneratesTentIDs() throws {
        let request = try Self.decode(TentedExample.request, library: try Self.library())
        #expect(request.format == "tented")
        #expect(request.publish)
        #expect(request.metadata?["source"] == "crm-import")
        #expect(request.items.map { $0.page?.name } == ["Acme Onboarding Page 1", "Acme onboarding 2", "Acme onboarding 3"])
        #expect(request.items.map(\.rejection) == [nil, nil, nil])
        #expect(request.items.allSatisfy { $0.templateID == "tpl_01JABC123XYZ" && $0.kind == .copy && $0.brandID == "default" })
        #expect(request.items[1].fields["first_name"] == "Michael")
        #expect(request.items[0].page?.clientItemID == "acme-row-001")
        #expect(request.items[2].page?.customAlias == "acme-onboarding-sarah")
        let ids = request.items.compactMap(\.id)
        #expect(ids.count == 3 && Set(ids).count == 3 && ids.allSatisfy(PageAlias.isUUID))
        #expect(ids[0] == TentedRequestDecoder.tentID(batchID: "bulk-1f0c2a9b", index: 0))
    }

    // MARK: Detection

    @Test(arguments: [
        (#"{"template_id": "t", "items": [{"input_data": {"a": 1}}]}"#, "tented"),
        (#"{"template_id": "t", "items": [{"input_data": {}, "instructions": "x", "tent_name": "n"}]}"#, "tented"),
        (#"{"template_id": "t", "items": [{"fields": {"a": 1}}]}"#, "native"),
        (#"{"template_id": "t", "items": [{"id": "r1", "input_data": {"a": 1}}]}"#, "native"),
        (#"{"template_id": "t", "items": [{"instructions": "x"}]}"#, "native"),
        (#"{"template_id": "t", "publish": true, "items": [{"input_data": {}}]}"#, "native"),
        (#"{"items": [{"input_data": {"a": 1}}]}"#, "native"),
        (#"{"template_id": 5, "items": [{"input_data": {}}]}"#, "native"),
    ])
    func nativeRequestsStayNative(text: String, format: String) throws {
        #expect(RequestFormat.detect(try JSONValue.parse(text)) == format)
    }

    // MARK: Rejections

    @Test func anUnknownTemplateMakesEveryItemNotFound() throws {
        let library = try tentedLibrary([:])
        let request = try Self.decode(
            #"{"template_id": "missing", "items": [{"input_data": {}}, {"input_data": {}, "custom_page_alias": "x"}]}"#,
            library: library)
        #expect(request.items.map { $0.rejection?.code } == [.notFound, .notFound])
        #expect(request.items[0].rejection?.message.contains("template 'missing' does not exist") == true)
    }

    @Test(arguments: [
        (#"{"id": "tpl_1", "approved": false, "variants": [{"id": "a", "vars": {"html": "x"}}]}"#, "is not approved"),
        (#"{"id": "tpl_1", "approved": true, "variants": [{"id": "a", "approved": false, "vars": {"html": "x"}}]}"#, "has no approved content"),
    ])
    func anUnapprovedTemplateRejectsTheFile(template: String, message: String) throws {
        let library = try Self.library(["templates/tpl_1.json": template])
        #expect {
            try Self.decode(#"{"template_id": "tpl_1", "items": [{"input_data": {}}]}"#, library: library)
        } throws: { error in
            let error = error as? DeskError
            return error?.code == .invalidRequest && error?.field == "template_id"
                && error?.message.contains(message) == true
        }
    }

    @Test(arguments: [
        (#"{"template_id": "tpl_1", "items": []}"#, DeskError.Code.invalidRequest, "items"),
        (#"{"template_id": "../x", "items": [{"input_data": {}}]}"#, .invalidRequest, "template_id"),
        (#"{"template_id": "tpl_1", "start_index": -1, "items": [{"input_data": {}}]}"#, .invalidRequest, "start_index"),
        (#"{"template_id": "tpl_1", "auto_publish": "yes", "items": [{"input_data": {}}]}"#, .invalidRequest, "auto_publish"),
        (#"{"template_id": "tpl_1", "metadata": [1], "items": [{"input_data": {}}]}"#, .invalidRequest, "metadata"),
    ])
    func wholeFileErrors(text: String, code: DeskError.Code, field: String) throws {
        let document = try JSONValue.parse(text)
        #expect {
            try TentedRequestDecoder.decode(
                document, context: DecodeContext(batchID: "b-1", org: "default", fileName: "b.json", library: nil))
        } throws: { ($0 as? DeskError)?.code == code && ($0 as? DeskError)?.field == field }
    }

    @Test func twentySixItemsAreTooMany() throws {
        let items = Array(repeating: #"{"input_data": {}}"#, count: 26).joined(separator: ",")
        #expect {
            try Self.decode(#"{"template_id": "tpl_1", "items": [\#(items)]}"#)
        } throws: { error in (error as? DeskError)?.code == .tooManyItems }
    }

    @Test(arguments: [
        (#"{"custom_page_alias": "Bad Alias", "input_data": {}}"#, true, DeskError.Code.invalidItem, "Invalid custom_page_alias"),
        (#"{"custom_page_alias": "ok-alias", "input_data": {}}"#, false, .invalidItem, "requires top-level \"auto_publish\": true"),
        (#"{"custom_page_alias": "api", "input_data": {}}"#, true, .invalidItem, "reserved word"),
        (#"{"tent_name": "no data"}"#, true, .invalidItem, "input_data is required"),
        (#"{"input_data": [1]}"#, true, .invalidItem, "input_data is required"),
        (#"{"input_data": {}, "tent_name": 5}"#, true, .invalidItem, "tent_name must be a string"),
        (#"{"input_data": {}, "include_brand": "yes"}"#, true, .invalidItem, "include_brand must be true or false"),
        (#"{"input_data": {}, "asset_ids": ["a", "b", "c", "d", "e", "f"]}"#, true, .invalidItem, "at most 5"),
        (#"{"input_data": {}, "asset_ids": ["../../../etc/passwd"]}"#, true, .invalidItem, "is not an asset id"),
        (#"{"input_data": {}, "asset_ids": [".hidden"]}"#, true, .invalidItem, "is not an asset id"),
        (#"{"input_data": {}, "asset_ids": ["missing"]}"#, true, .notFound, "asset 'missing' does not exist"),
        (#"{"input_data": {}, "include_brand": true}"#, true, nil, ""),
        (#"{"input_data": {}, "asset_ids": ["logo", "logo.png"]}"#, true, nil, ""),
        (#"{"input_data": {}, "custom_page_alias": "/"}"#, true, nil, ""),
        ("7", true, .invalidItem, "must be an object"),
    ] as [(String, Bool, DeskError.Code?, String)])
    func itemRejections(item: String, autoPublish: Bool, code: DeskError.Code?, message: String) throws {
        let request = try Self.decode(
            #"{"template_id": "tpl_1", "auto_publish": \#(autoPublish), "items": [{"input_data": {"a": 1}}, \#(item)]}"#,
            library: try Self.library())
        #expect(request.items[0].rejection == nil)
        #expect(request.items[1].rejection?.code == code)
        if code != nil {
            #expect(request.items[1].rejection?.message.contains(message) == true, "\(request.items[1].rejection?.message ?? "")")
        }
    }

    @Test func includeBrandInAnOrgWithoutABrandIsNotFound() throws {
        let library = try tentedLibrary(["templates/tpl_1.json": Self.template])
        let request = try Self.decode(
            #"{"template_id": "tpl_1", "items": [{"input_data": {}, "include_brand": true}, {"input_data": {}}]}"#,
            library: library)
        #expect(request.items[0].rejection?.code == .notFound)
        #expect(request.items[0].rejection?.field == "items[0].include_brand")
        #expect(request.items[1].rejection == nil)
    }

    @Test func assetsResolveToTheirFilesAndALinkIsNotAnAsset() throws {
        let library = try Self.library(["assets/brochure.pdf": "PDF"])
        #expect(symlink("/etc/passwd", Path.join(library, "assets/secret")) == 0)
        let request = try Self.decode(
            #"{"template_id": "tpl_1", "items": [{"input_data": {}, "asset_ids": ["logo", "brochure.pdf"]}, {"input_data": {}, "asset_ids": ["secret"]}]}"#,
            library: library)
        #expect(request.items[0].page?.assetFiles == ["logo.png", "brochure.pdf"])
        #expect(request.items[1].rejection?.code == .notFound)
    }

    @Test func theSameAliasTwiceInOneRequestRejectsTheSecond() throws {
        let request = try Self.decode(
            #"{"template_id": "tpl_1", "auto_publish": true, "items": [{"input_data": {}, "custom_page_alias": "jane"}, {"input_data": {}, "custom_page_alias": "jane"}]}"#,
            library: try Self.library())
        #expect(request.items[0].rejection == nil)
        #expect(request.items[1].rejection?.code == .invalidItem)
        #expect(request.items[1].rejection?.message.contains("items[0]") == true)
    }

    // MARK: The result

    @Test func theResultHasTheDocumentedShape() throws {
        var request = try Self.decode(TentedExample.request, library: try Self.library())
        request.items[1].rejection = DeskError(.invalidItem, "Invalid custom_page_alias: x")
        let at = Timestamp(iso8601: "2026-03-25T14:30:00Z")!
        let json = TentedResultEncoder.encode(
            BatchResult(
                batchID: "bulk-1f0c2a9b", org: "default", status: .completed, request: request, outcomes: [],
                completedAt: at.adding(seconds: 2), createdAt: at))
        #expect(
            json.objectValue?.keys
                == ["bulk_job_id", "status", "template_id", "auto_publish", "accepted_count", "rejected_count", "items",
                    "metadata", "created_at"])
        #expect(json["created_at"] == "2026-03-25T14:30:00.000Z")
        #expect(json["accepted_count"] == 2)
        #expect(json["rejected_count"] == 1)
        #expect(json["items"]?[0]?.objectValue?.keys == ["index", "client_item_id", "tent_id", "tent_name", "custom_page_alias", "status"])
        #expect(json["items"]?[1]?.objectValue?.keys == ["index", "client_item_id", "status", "error_code", "message"])
    }
}

/// The request of the tented document, as it stands (the example desk's
/// `inbox-example/inbox/acme-onboarding.json`).
enum TentedExample {
    static var request: String {
        let path = Path.join(Path.parent(Path.parent(Path.parent(#filePath))), "inbox-example/inbox/acme-onboarding.json")
        return String(decoding: (try? FileSystem.readFile(path)).flatMap { $0 } ?? [], as: UTF8.self)
    }
}
