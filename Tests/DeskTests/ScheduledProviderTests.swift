import DeskKit
import Foundation
import Testing

/// Scheduled provider items are written like immediate ones: with the batch's brand profile,
/// and concurrently within the provider's limit.
struct ScheduledProviderTests {
    @Test func scheduledPostsDueTogetherAreWrittenConcurrentlyWithTheBrandProfile() async throws {
        let peers = try temporaryLayout().root + "/calls"
        try FileSystem.createDirectory(peers)
        // Each call waits (at most 10 s) until three calls are running, then says how many it saw
        // and echoes its prompt: posts written one at a time would each see fewer.
        let script = """
            touch "\(peers)/$$"; i=0
            while [ "$(ls "\(peers)" | wc -l)" -lt 3 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
            echo "peers=$(ls "\(peers)" | wc -l)"; cat
            """
        let config = JSONValue.object(
            JSONObject([
                (
                    "providers",
                    .array([
                        .object(
                            JSONObject([
                                ("name", "echo"), ("type", "command"),
                                ("command", .array(["/bin/sh", "-c", .string(script)])), ("concurrency", 3),
                            ]))
                    ])
                )
            ]))
        let desk = try ScheduledDesk(at: "2025-01-20T08:00:00Z", config: config.serializedString())
        try FileSystem.createDirectory(desk.layout.brands(org: "default"))
        try AtomicFile.write(
            Array(#"{"name": "Acme Outdoor", "voice": "plain"}"#.utf8),
            to: desk.layout.brands(org: "default") + "/default.json")
        let batch = try desk.drop(
            waldium(#"{"strategy": "burst", "startTime": "2025-01-20T09:00:00Z", "postsPerHour": 3600}"#, count: 3),
            as: "trio.json")
        try await desk.pass()  // admitted, and all three are within the lead: generated together
        desk.set("2025-01-20T09:00:02Z")
        try await desk.pass()
        let files = desk.published(batch)
        #expect(files == ["sched_1.md", "sched_2.md", "sched_3.md"])
        for name in files {
            let text = String(
                decoding: try FileSystem.readFile(desk.layout.published(org: "default", batchID: batch) + "/" + name) ?? [],
                as: UTF8.self)
            #expect(text.contains("peers=3"), "\(name) was written alone")
            #expect(text.contains("Brand:\n- name: Acme Outdoor"), "\(name) has no brand profile")
            #expect(text.contains("provider: echo"))
        }
    }
}
