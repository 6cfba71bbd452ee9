import DeskKit
import Testing

/// Routes in copydesk.json: the glob, the org folder, the checks at startup.
struct RouteTableTests {
    @Test(arguments: [
        ("crm/*.csv", "crm", "export-2026.csv", true),
        ("crm/*.csv", "crm", "export.jsonl", false),
        ("crm/*.csv", "default", "export.csv", false),
        ("crm/*.csv", "acme", "export.csv", false),
        ("*.csv", "default", "x.csv", true),
        ("*.csv", "crm", "x.csv", false),
        ("leads-??.jsonl", "default", "leads-01.jsonl", true),
        ("leads-??.jsonl", "default", "leads-001.jsonl", false),
        ("a*b*c.csv", "default", "axxbyyc.csv", true),
        ("a*b*c.csv", "default", "axxbyy.csv", false),
    ])
    func aPatternMatchesItsOrgFolderAndNames(pattern: String, org: String, name: String, expected: Bool) throws {
        let json = JSONValue.object(JSONObject([(pattern, .object(JSONObject([("template_id", "t")])))]))
        let table = try RouteTable(json: json, source: "copydesk.json")
        #expect((table.route(org: org, name: name) != nil) == expected)
    }

    @Test(arguments: [
        (#"{"crm/*.csv": {"template": "t"}}"#, "routes.crm/*.csv.template"),
        (#"{"crm/*.csv": {"items": []}}"#, "routes.crm/*.csv.items"),
        (#"{"crm/*.csv": {"idempotency_key": "k"}}"#, "routes.crm/*.csv.idempotency_key"),
        (#"{"crm/sub/*.csv": {}}"#, "routes.crm/sub/*.csv"),
        (#"{"*/*.csv": {}}"#, "routes.*/*.csv"),
        (#"{"crm/*.json": {}}"#, "routes.crm/*.json"),
        (#"{"crm/*.csv": {"done_marker": "yes"}}"#, "routes.crm/*.csv"),
        (#"{"crm/*.csv": []}"#, "routes.crm/*.csv"),
    ])
    func aBadRouteIsRejectedNamingIt(routes: String, field: String) throws {
        let json = try JSONValue.parse(#"{"routes": "# + routes + "}")
        let error = #expect(throws: DeskError.self) { try DeskConfiguration(json: json) }
        #expect(error?.field == field)
        #expect(error?.message.contains("route") == true)
    }

    @Test func doneMarkersBelongToTheirRoutesOnly() throws {
        let json = try JSONValue.parse(
            #"{"routes": {"crm/*.csv": {"template_id": "t", "done_marker": true}, "*.csv": {"template_id": "t"}}}"#)
        let configuration = try DeskConfiguration(json: json)
        #expect(configuration.routes.isDoneMarker(org: "crm", name: "x.csv.done"))
        #expect(!configuration.routes.isDoneMarker(org: "default", name: "x.csv.done"))
        #expect(configuration.routes.route(org: "crm", name: "x.csv")?.body["done_marker"] == nil)
    }
}
