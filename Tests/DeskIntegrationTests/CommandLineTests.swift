import DeskKit
import Foundation
import Testing

/// The commands other than `watch`, run as a user runs them.
@Suite struct CommandLineTests {
    @Test func processRunsOnePassAndItsExitCodeSaysWhetherAnythingWasRejected() throws {
        let desk = try TestDesk()
        try desk.drop(TestDesk.request("ok"), as: "good.json")
        var run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("admitted 1"))
        #expect(desk.results().count == 1)

        try desk.drop(#"{"template_id": "hello", "items": [{"id": "a"}, {"id": "b", "copy_id": "zzz"}]}"#, as: "partial.json")
        run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 1)
        let name = desk.results().first { $0.hasPrefix("partial-") }!
        let result = try desk.json(desk.layout.outbox(org: "default") + "/" + name)
        #expect(result["counts"]?["generated"]?.intValue == 1)
        #expect(result["counts"]?["failed"]?.intValue == 1)
        #expect(result["items"]?[1]?["error"]?["code"]?.stringValue == "NOT_FOUND")
    }

    @Test func theSameBytesOrTheSameIdempotencyKeyMakeNoNewWork() throws {
        let desk = try TestDesk()
        let body = #"{"template_id": "hello", "idempotency_key": "k-1", "items": [{"fields": {"name": "x"}}]}"#
        try desk.drop(body, as: "a.json")
        try TestDesk.run(["process", desk.root])
        try desk.drop(body, as: "a-copy.json")  // same bytes, other name
        try desk.drop(
            #"{"template_id": "hello", "idempotency_key": "k-1", "items": [{"fields": {"name": "y"}}]}"#, as: "b.json")
        let run = try TestDesk.run(["process", desk.root])
        #expect(run.stdout.contains("duplicates 2"), "\(run.stdout)")
        #expect(desk.results().count == 1)
        let batchID = String(desk.results()[0].dropLast(".result.json".count))
        let status = try desk.json(desk.layout.status(org: "default", batchID: batchID))
        let dups = status["duplicates"]?.arrayValue?.compactMap { $0["file"]?.stringValue }.sorted()
        #expect(dups == ["a-copy.json", "b.json"])
    }

    @Test func statusShowsATableAndJSON() throws {
        let desk = try TestDesk()
        try desk.drop(TestDesk.request("s"), as: "s.json")
        try TestDesk.run(["process", desk.root])
        let table = try TestDesk.run(["status", desk.root])
        #expect(table.status == 0)
        #expect(table.stdout.contains("completed"))
        #expect(table.stdout.contains("100%"))
        let json = try TestDesk.run(["status", desk.root, "--json"])
        let parsed = try JSONValue.parse(json.stdout)
        #expect(parsed.arrayValue?.count == 1)
        #expect(parsed[0]?["status"]?.stringValue == "completed")
        #expect(try TestDesk.run(["status", desk.root, "no-such-batch"]).status == 1)
    }

    @Test func validateIsADryRunThatReportsEachItem() throws {
        let desk = try TestDesk()
        let path = desk.root + "/check.json"
        try desk.write(
            #"{"template_id": "hello", "items": [{"id": "ok"}, {"id": "bad", "fields": 3}, {"id": "gone", "template_id": "nope"}]}"#,
            to: path)
        let run = try TestDesk.run(["validate", "--root", desk.root, path])
        #expect(run.status == 1)
        #expect(run.stdout.contains("1 of 3 items ok"))
        #expect(run.stdout.contains("INVALID_ITEM"))
        #expect(run.stdout.contains("NOT_FOUND"))
        #expect(desk.results().isEmpty)
        #expect(FileSystem.exists(path))
        try desk.write(#"{"template_id": "hello", "items": [{"id": "ok"}]}"#, to: path)
        #expect(try TestDesk.run(["validate", path]).status == 0)
    }

    @Test func renderPrintsTheTextOrOneErrorLine() throws {
        let desk = try TestDesk()
        try desk.write("Hi {{ name | upcase }}{% for x in list %} {{ x }}{% endfor %}", to: desk.root + "/t.liquid")
        try desk.write(#"{"name": "ann", "list": [1, 2]}"#, to: desk.root + "/d.json")
        let ok = try TestDesk.run(["render", desk.root + "/t.liquid", "--data", desk.root + "/d.json"])
        #expect(ok.status == 0)
        #expect(ok.stdout == "Hi ANN 1 2")
        try desk.write("{% if x %}never closed", to: desk.root + "/bad.liquid")
        let bad = try TestDesk.run(["render", desk.root + "/bad.liquid", "--data", desk.root + "/d.json"])
        #expect(bad.status == 1)
        #expect(bad.stderr.split(separator: "\n").count == 1)
        #expect(bad.stderr.contains("bad.liquid:1:"))
    }

    @Test func initCreatesADeskAndHelpExplainsTheCommands() throws {
        let desk = try TestDesk()
        let root = desk.root + "/new-desk"
        let run = try TestDesk.run(["init", root])
        #expect(run.status == 0)
        for folder in DeskLayout(root: root).requiredFolders { #expect(FileSystem.isDirectory(folder)) }
        let help = try TestDesk.run(["--help"])
        #expect(help.status == 0)
        for command in ["init", "watch", "process", "status", "validate", "render"] { #expect(help.stdout.contains(command)) }
        #expect(try TestDesk.run(["frobnicate"]).status == 2)
    }
}
