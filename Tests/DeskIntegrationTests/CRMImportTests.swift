import DeskKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// CRM imports through the real binary: routes, done-markers, items_from (CSV and JSONL) and the
/// names it refuses.
@Suite struct CRMImportTests {
    static let routes = #"""
        {"routes": {"crm/*.csv": {"template_id": "hello", "defaults": {"fields": {"n": 7}}},
                    "nfs/*.csv": {"template_id": "hello", "done_marker": true}}}
        """#

    /// A desk whose org folders `crm` and `nfs` have the `hello` template too.
    static func crmDesk(intake: String? = nil) throws -> TestDesk {
        let config = intake.map { String(routes.dropLast()) + #", "intake": \#($0)}"# } ?? routes
        let desk = try TestDesk(config: config)
        for org in ["crm", "nfs"] {
            try FileSystem.createDirectory(desk.layout.library(org: org))
            try FileSystem.createDirectory(desk.layout.templates(org: org))
            let template = try #require(try FileSystem.readFile(desk.layout.templates(org: "default") + "/hello.json"))
            try AtomicFile.write(template, to: desk.layout.templates(org: org) + "/hello.json")
        }
        return desk
    }

    @Test func aBareCSVMatchingARouteBecomesABatchInTheDaemon() throws {
        let desk = try Self.crmDesk()
        try desk.start()
        try desk.drop("id,name\r\nc1,ann\r\nc2,\"bo; jr\"\r\n", as: "export-2026-11-23.csv", org: "crm")
        try waitUntil(seconds: 30, "the routed export has a result") { !desk.results(org: "crm").isEmpty }
        #expect(desk.stop() == 0)
        let result = try desk.json(desk.layout.outbox(org: "crm") + "/" + desk.results(org: "crm")[0])
        let batch = try #require(result["batch_id"]?.stringValue)
        #expect(batch.hasPrefix("export-2026-11-23-"))
        #expect(result["counts"]?["generated"] == 2)
        #expect(result["items"]?[1]?["content"]?["greeting"] == "Hello Bo; jr")
        #expect(result["items"]?[1]?["content"]?["n"] == "7")
        #expect(desk.files(in: desk.layout.archive(org: "crm")) == [batch + ".csv"])
        #expect(desk.files(in: desk.layout.inbox(org: "crm")).isEmpty)
    }

    @Test func aDoneMarkerRouteWaitsForTheMarkerAndTakesItAlong() throws {
        let desk = try Self.crmDesk()
        try desk.drop("id,name\n1,ann\n", as: "daily.csv", org: "nfs")
        var run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 0)
        #expect(desk.files(in: desk.layout.inbox(org: "nfs")) == ["daily.csv"])
        #expect(desk.results(org: "nfs").isEmpty)
        try desk.drop("", as: "daily.csv.done", org: "nfs")
        run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(desk.results(org: "nfs").count == 1)
        #expect(desk.files(in: desk.layout.inbox(org: "nfs")).isEmpty)
    }

    @Test func aMarkerOlderThanItsExportIsStaleAndWaitsForANewOne() throws {
        let desk = try Self.crmDesk()
        // A marker left by an earlier export (its process died before removing it), then a new
        // export being written in place.
        try desk.drop("", as: "daily.csv.done", org: "nfs")
        let marker = desk.layout.inbox(org: "nfs") + "/daily.csv.done"
        var old = [timespec(tv_sec: 946_684_800, tv_nsec: 0), timespec(tv_sec: 946_684_800, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, marker, &old, 0)
        try desk.drop("id,name\n1,ann\n", as: "daily.csv", org: "nfs")
        var run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 0)
        #expect(desk.results(org: "nfs").isEmpty, "a stale marker does not release the new export")
        // The exporter finishes and writes its marker again.
        _ = utimensat(AT_FDCWD, marker, nil, 0)  // now
        run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(desk.results(org: "nfs").count == 1)
        #expect(desk.files(in: desk.layout.inbox(org: "nfs")).isEmpty)
    }

    @Test func anExportWhoseMarkerStaysStaleIsRejectedWithTheReason() throws {
        let desk = try Self.crmDesk(intake: #"{"items_from_wait_seconds": 0.3, "reconcile_seconds": 0.2}"#)
        try desk.start()
        try desk.drop("", as: "daily.csv.done", org: "nfs")
        let marker = desk.layout.inbox(org: "nfs") + "/daily.csv.done"
        var old = [timespec(tv_sec: 946_684_800, tv_nsec: 0), timespec(tv_sec: 946_684_800, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, marker, &old, 0)
        try desk.drop("id,name\n1,ann\n", as: "daily.csv", org: "nfs")
        let rejected = desk.layout.rejected(org: "nfs")
        try waitUntil(seconds: 60, "the export is rejected") { desk.files(in: rejected).count == 2 }
        #expect(desk.stop() == 0)
        #expect(desk.files(in: rejected) == ["daily.csv", "daily.csv.error.json"])
        let error = try desk.json(rejected + "/daily.csv.error.json")
        #expect(error["code"] == "INVALID_REQUEST")
        #expect(error["message"]?.stringValue?.contains("daily.csv.done is older than daily.csv") == true)
        #expect(desk.results(org: "nfs").isEmpty)
        #expect(desk.files(in: desk.layout.inbox(org: "nfs")).isEmpty, "the stale marker goes with it")
    }

    @Test func aJSONLItemsFromRequestIsOneBatchWithBothFilesArchived() throws {
        let desk = try TestDesk()
        try desk.drop(
            "{\"id\": \"a\", \"name\": \"ann\", \"n\": 1}\n{\"id\": \"b\", \"name\": \"bo\"}\n[\"not an object\"]\n",
            as: "rows.jsonl")
        try desk.drop(
            #"{"template_id": "hello", "items": [{"id": "inline", "fields": {"name": "cy"}}], "items_from": "rows.jsonl"}"#,
            as: "req.json")
        let run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 1)  // one row is rejected
        let name = try #require(desk.results().first)
        let result = try desk.json(desk.layout.outbox(org: "default") + "/" + name)
        let batch = try #require(result["batch_id"]?.stringValue)
        #expect(result["counts"]?["generated"] == 3)
        #expect(result["items"]?[0]?["id"] == "inline")
        #expect(result["items"]?[1]?["content"]?["greeting"] == "Hello Ann")
        #expect(
            result["items"]?[3]?["error"]?["message"] == "rows.jsonl line 3: a line must be a JSON object, not array")
        #expect(desk.files(in: desk.layout.archive(org: "default")) == [batch + ".json", batch + ".jsonl"])
        #expect(desk.files(in: desk.layout.inbox).isEmpty)
    }

    @Test(arguments: ["../secret.csv", "/etc/passwd.csv", "crm/leads.csv", "..", "a\\u0000.csv"])
    func anItemsFromEscapingTheFolderIsRejected(name: String) throws {
        let desk = try TestDesk()
        try desk.write("id,name\n1,x\n", to: desk.root + "/secret.csv")
        try desk.drop(#"{"template_id": "hello", "items_from": "\#(name)"}"#, as: "req.json")
        let run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 1)
        let error = try desk.json(desk.layout.rejected(org: "default") + "/req.json.error.json")
        #expect(error["code"] == "INVALID_REQUEST")
        #expect(error["field"] == "items_from")
        #expect(FileSystem.exists(desk.root + "/secret.csv"))
        #expect(desk.results().isEmpty)
    }

    @Test func aKilledDaemonLosesNeitherFileAndMakesOneBatch() throws {
        let desk = try TestDesk(config: #"{"checkpoint_items": 100}"#)
        var csv = "id,name\n"
        for i in 0..<20_000 { csv += "r\(i),name \(i)\n" }
        try desk.drop(csv, as: "big.csv")
        try desk.start()
        try desk.drop(#"{"template_id": "hello", "items_from": "big.csv"}"#, as: "big.json")
        // Kill it while the batch runs (or just after), then let a new process finish.
        try waitUntil(seconds: 30, "the CSV is claimed") { !FileSystem.exists(desk.layout.inbox + "/big.csv") }
        desk.crash()
        try desk.start()
        try waitUntil(seconds: 60, "the batch has a result and is archived") {
            desk.results().count == 1 && desk.files(in: desk.layout.archive(org: "default")).count == 2
        }
        #expect(desk.stop() == 0)
        let result = try desk.json(desk.layout.outbox(org: "default") + "/" + desk.results()[0])
        #expect(result["counts"]?["generated"] == 20_000)
        let batch = try #require(result["batch_id"]?.stringValue)
        #expect(desk.files(in: desk.layout.archive(org: "default")) == [batch + ".csv", batch + ".json"])
        #expect(try FileSystem.readFile(desk.layout.archive(org: "default") + "/" + batch + ".csv") == Array(csv.utf8))
    }
}
