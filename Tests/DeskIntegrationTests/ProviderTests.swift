import DeskKit
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Prompt items through the real binary: providers from copydesk.json, `--provider`,
/// modalities, and outputs stored before anything else happens to them.
@Suite(.serialized)
struct ProviderTests {
    /// A command provider: a shell script that logs each call's topic (the prompt's last line)
    /// to `calls.log`, blocks on topics containing "block" until `release` exists, and answers.
    static func scriptedDesk(concurrency: Int = 4) throws -> TestDesk {
        let desk = try TestDesk()
        let script = desk.root + "/writer.sh"
        try desk.write(
            """
            #!/bin/sh
            topic=$(tail -n 1)
            echo "$topic" >> "\(desk.root)/calls.log"
            case "$topic" in *block*) while [ ! -e "\(desk.root)/release" ]; do sleep 0.05; done;; esac
            echo "draft about $topic"
            """, to: script)
        chmod(script, 0o755)
        try desk.write(
            #"{"providers": [{"name": "writer", "type": "command", "command": ["\#(script)"], "concurrency": \#(concurrency), "timeout_seconds": 60}]}"#,
            to: desk.root + "/copydesk.json")
        return desk
    }

    func calls(_ desk: TestDesk) -> [String] {
        ((try? String(contentsOfFile: desk.root + "/calls.log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func promptItemsAreWrittenByTheConfiguredProviderAndUnservedModalitiesRejected() throws {
        let desk = try Self.scriptedDesk()
        try desk.drop(
            #"""
            {"defaults": {"tone": "warm"}, "items": [
              {"id": "a", "topic": "spring sale"},
              {"id": "b", "brief": "autumn news", "instructions": "two lines"},
              {"id": "c", "topic": "unboxing clip", "modality": "video"},
              {"id": "d", "template_id": "hello", "fields": {"name": "ada"}}]}
            """#, as: "mixed.json")
        let run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 1, "one item is rejected: \(run.stderr)")
        let name = try #require(desk.results().first)
        let result = try desk.json(desk.layout.outbox(org: "default") + "/" + name)
        let items = result["items"]?.arrayValue ?? []
        #expect(items.map { $0["status"]?.stringValue } == ["generated", "generated", "rejected", "generated"])
        #expect(items[0]["content"]?["text"]?.stringValue == "draft about spring sale")
        #expect(items[1]["content"]?["text"]?.stringValue == "draft about autumn news")
        #expect(items[0]["generation"]?["provider"]?.stringValue == "writer")
        #expect(items[0]["generation"]?["prompt_version_hash"]?.stringValue?.count == 16)
        #expect(items[0]["generation"]?["latency_ms"]?.doubleValue != nil)
        #expect(items[2]["error"]?["code"]?.stringValue == "UNSUPPORTED_MODALITY")
        #expect(items[2]["error"]?["message"]?.stringValue?.hasPrefix("no provider serves video for org default") == true)
        #expect(items[3]["content"]?["greeting"]?.stringValue == "Hello Ada", "copy items still render templates")
        #expect(Set(calls(desk)) == ["spring sale", "autumn news"], "the rejected item never reached the provider")
    }

    @Test func theProviderFlagOverridesTheConfiguration() throws {
        let desk = try Self.scriptedDesk()
        try desk.drop(#"{"items": [{"id": "a", "topic": "spring sale"}]}"#, as: "one.json")
        let run = try TestDesk.run(["process", desk.root, "--provider", "offline"])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try desk.json(desk.layout.outbox(org: "default") + "/" + (try #require(desk.results().first)))
        let item = try #require(result["items"]?[0])
        #expect(item["generation"]?["provider"]?.stringValue == "offline")
        #expect(item["content"]?["text"]?.stringValue?.hasPrefix("# Spring Sale") == true)
        #expect(calls(desk).isEmpty)
        let unknown = try TestDesk.run(["process", desk.root, "--provider", "gpt"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no provider of that name"))
    }

    @Test func aProviderErrorFailsTheItemWithItsMessageAndTheBatchGoesOn() throws {
        let desk = try TestDesk()
        let script = desk.root + "/picky.sh"
        try desk.write(
            """
            #!/bin/sh
            topic=$(tail -n 1)
            case "$topic" in *bad*) echo "content policy: refused" >&2; exit 4;; esac
            echo "ok: $topic"
            """, to: script)
        chmod(script, 0o755)
        try desk.write(
            #"{"providers": [{"name": "picky", "type": "command", "command": ["\#(script)"]}]}"#,
            to: desk.root + "/copydesk.json")
        try desk.drop(#"{"items": [{"topic": "good one"}, {"topic": "bad one"}]}"#, as: "two.json")
        _ = try TestDesk.run(["process", desk.root])
        let name = try #require(desk.results().first)
        let result = try desk.json(desk.layout.outbox(org: "default") + "/" + name)
        #expect(result["status"]?.stringValue == "completed")
        let items = result["items"]?.arrayValue ?? []
        #expect(items[0]["status"]?.stringValue == "generated")
        #expect(items[1]["status"]?.stringValue == "failed")
        #expect(items[1]["error"]?["code"]?.stringValue == "PROVIDER_ERROR")
        #expect(items[1]["error"]?["message"]?.stringValue?.contains("content policy: refused") == true)
        let status = try desk.json(desk.layout.status(org: "default", batchID: String(name.dropLast(".result.json".count))))
        #expect(status["items"]?[1]?["error"]?["code"]?.stringValue == "PROVIDER_ERROR", "the status says it too")
    }

    /// Outputs are stored as they arrive: a crash while one call is still running never pays
    /// again for the calls that had answered.
    @Test func aCrashAfterGenerationNeverPaysForTheSameCallAgain() throws {
        let desk = try Self.scriptedDesk()
        try desk.drop(
            #"{"items": [{"id": "1", "topic": "first"}, {"id": "2", "topic": "second"}, {"id": "3", "topic": "block me"}]}"#,
            as: "paid.json")
        try desk.start()
        let journalFolder = desk.layout.state(org: "default")
        try waitUntil(seconds: 60, "two outputs are stored while the third call blocks") {
            let journal = desk.files(in: journalFolder).first { $0.hasSuffix(".items.jsonl") }
            guard let journal, let text = try? String(contentsOfFile: journalFolder + "/" + journal, encoding: .utf8)
            else { return false }
            return text.split(separator: "\n").count >= 2 && calls(desk).contains("block me")
        }
        desk.crash()
        try desk.write("", to: desk.root + "/release")
        let run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 0, "\(run.stderr)")
        let made = calls(desk)
        #expect(made.filter { $0 == "first" }.count == 1, "\(made)")
        #expect(made.filter { $0 == "second" }.count == 1, "\(made)")
        #expect(made.filter { $0 == "block me" }.count == 2, "the unanswered call is made again")
        let result = try desk.json(desk.layout.outbox(org: "default") + "/" + (try #require(desk.results().first)))
        #expect(result["items"]?.arrayValue?.map { $0["content"]?["text"]?.stringValue } == [
            "draft about first", "draft about second", "draft about block me",
        ])
        #expect(!desk.files(in: journalFolder).contains { $0.hasSuffix(".items.jsonl") })
    }
}
