import DeskKit
import Foundation
import Testing

/// Liquid as users meet it: `copydesk render` and templates with partials in the library.
struct LiquidCommandTests {
    @Test func renderFindsPartialsBesideTheTemplateOrInTheGivenFolder() throws {
        let desk = try TestDesk()
        try FileSystem.createDirectory(desk.root + "/parts")
        try desk.write("{% render 'sig', name: name %}|{% include 'legal' %}", to: desk.root + "/t.liquid")
        try desk.write("-- {{ name | capitalize }}", to: desk.root + "/sig.liquid")
        try desk.write("(c) {{ company }}", to: desk.root + "/legal.liquid")
        try desk.write("== {{ name }}", to: desk.root + "/parts/sig.liquid")
        try desk.write("(legal)", to: desk.root + "/parts/legal")
        try desk.write(#"{"name": "ann", "company": "Acme"}"#, to: desk.root + "/d.json")
        let beside = try TestDesk.run(["render", desk.root + "/t.liquid", "--data", desk.root + "/d.json"])
        #expect(beside.status == 0)
        #expect(beside.stdout == "-- Ann|(c) Acme")
        let given = try TestDesk.run([
            "render", desk.root + "/t.liquid", "--data", desk.root + "/d.json", "--partials", desk.root + "/parts",
        ])
        #expect(given.stdout == "== ann|(legal)")
        let missing = try TestDesk.run([
            "render", desk.root + "/t.liquid", "--data", desk.root + "/d.json", "--partials", desk.root + "/nope",
        ])
        #expect(missing.status == 1)
    }

    @Test func strictModeMakesAnUndefinedVariableAnErrorWithItsPlace() throws {
        let desk = try TestDesk()
        try desk.write("Hello\n  {{ nmae }}", to: desk.root + "/t.liquid")
        try desk.write(#"{"name": "ann"}"#, to: desk.root + "/d.json")
        let lax = try TestDesk.run(["render", desk.root + "/t.liquid", "--data", desk.root + "/d.json"])
        #expect(lax.status == 0)
        #expect(lax.stdout == "Hello\n  ")
        let strict = try TestDesk.run(["render", desk.root + "/t.liquid", "--data", desk.root + "/d.json", "--strict"])
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("t.liquid:2:"))
        #expect(strict.stderr.contains("nmae"))
    }

    @Test func strictModeNamesAnUnknownFilterOnOneLineWithItsPlace() throws {
        let desk = try TestDesk()
        try desk.write("Hello\n  {{ name | upcse }}", to: desk.root + "/t.liquid")
        try desk.write(#"{"name": "ann"}"#, to: desk.root + "/d.json")
        let lax = try TestDesk.run(["render", desk.root + "/t.liquid", "--data", desk.root + "/d.json"])
        #expect(lax.status == 0)
        #expect(lax.stdout == "Hello\n  ann")
        let strict = try TestDesk.run(["render", desk.root + "/t.liquid", "--data", desk.root + "/d.json", "--strict"])
        #expect(strict.status == 1)
        #expect(strict.stdout == "")
        let lines = strict.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "one line, ended by a newline: \(strict.stderr)")
        #expect(lines.first == "\(desk.root)/t.liquid:2:13: unknown filter 'upcse'")
    }

    @Test func anErrorQuotingAStringWithANewlineIsOneLine() throws {
        let desk = try TestDesk()
        try desk.write("{{ 'not\nbase64' | base64_decode }}", to: desk.root + "/t.liquid")
        try desk.write("{}", to: desk.root + "/d.json")
        let run = try TestDesk.run(["render", desk.root + "/t.liquid", "--data", desk.root + "/d.json"])
        #expect(run.status == 1)
        let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "one line, ended by a newline: \(run.stderr)")
        #expect(lines.first == "\(desk.root)/t.liquid:2:11: invalid base64: 'not\\nbase64'")
    }

    @Test func libraryPartialsAreUsedAndAHostileTemplateFailsOnlyItsItem() throws {
        let desk = try TestDesk()
        let templates = desk.layout.templates(org: "default")
        try FileSystem.createDirectory(templates + "/partials")
        try desk.write("Best, {{ sender | default: 'the team' }}", to: templates + "/partials/signature.liquid")
        try desk.write(
            #"{"id": "note", "approved": true, "variants": [{"id": "a", "vars": {"body": "Hi {{ name }}. {% render 'signature', sender: from %}"}}]}"#,
            to: templates + "/note.json")
        try desk.write(
            #"{"id": "spin", "approved": true, "variants": [{"id": "a", "vars": {"body": "{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}"}}]}"#,
            to: templates + "/spin.json")
        try desk.drop(
            #"{"items": [{"id": "1", "template_id": "note", "fields": {"name": "Ann", "from": "Dana"}}, {"id": "2", "template_id": "spin"}, {"id": "3", "template_id": "note", "fields": {"name": "Bo"}}]}"#,
            as: "notes.json")
        let run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 1)  // one item failed
        let result = try desk.json(desk.layout.outbox(org: "default") + "/" + desk.results()[0])
        #expect(result["items"]?[0]?["content"]?["body"]?.stringValue == "Hi Ann. Best, Dana")
        #expect(result["items"]?[1]?["status"]?.stringValue == "failed")
        #expect(result["items"]?[1]?["error"]?["code"]?.stringValue == "RENDER_ERROR")
        #expect(result["items"]?[2]?["content"]?["body"]?.stringValue == "Hi Bo. Best, the team")
    }
}
