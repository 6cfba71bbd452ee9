import DeskKit
import Foundation
import Generation
import Testing

/// The command provider runs real programs (`/bin/sh -c …`, given as the program and its
/// arguments, never through a shell of copydesk's own).
struct CommandProviderTests {
    static func provider(_ script: String, timeout: Double = 10) -> CommandProvider {
        var settings = ProviderSettings(name: "script", kind: .command)
        settings.command = ["/bin/sh", "-c", script]
        settings.timeoutSeconds = timeout
        return CommandProvider(settings: settings)
    }

    static let prompt = Prompt(
        system: "be brief", user: "Topic:\nspring", versionHash: "0123456789abcdef", parts: PromptParts(topic: "spring"))

    @Test func thePromptGoesToStdinAndStdoutIsTheText() async throws {
        let output = try await Self.provider(#"printf '%s|' "$COPYDESK_MODALITY" "$COPYDESK_PROMPT_VERSION_HASH"; cat"#)
            .generate(Self.prompt)
        #expect(output.text == "text|0123456789abcdef|be brief\n\nTopic:\nspring")
        #expect(output.provider == "script")
        #expect(output.model == "sh")
        #expect((output.completionTokens ?? 0) > 0)
    }

    @Test func aNonZeroExitIsAProviderErrorWithItsStderr() async {
        let error = await #expect(throws: DeskError.self) {
            try await Self.provider("echo 'model not loaded' >&2; exit 3").generate(Self.prompt)
        }
        #expect(error?.code == .providerError)
        #expect(error?.message.contains("exited with status 3") == true)
        #expect(error?.message.contains("model not loaded") == true)
    }

    @Test func aCommandOverItsTimeoutIsStopped() async throws {
        let pidFile = NSTemporaryDirectory() + "/copydesk-command-\(UUID().uuidString).pid"
        defer { unlink(pidFile) }
        let error = await #expect(throws: DeskError.self) {
            try await Self.provider("echo $$ > \(pidFile); exec sleep 30", timeout: 0.3).generate(Self.prompt)
        }
        #expect(error?.code == .providerTimeout)
        // The program itself is gone (stopped and reaped), not left running.
        let text = try String(contentsOfFile: pidFile, encoding: .utf8)
        let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }

    /// The limit is kept by a thread of its own: with every thread of the cooperative pool busy
    /// for longer than the program runs, the program is still stopped at its limit.
    @Test func theTimeLimitHoldsWhileTheCooperativePoolIsBusy() async throws {
        let pidFile = NSTemporaryDirectory() + "/copydesk-command-\(UUID().uuidString).pid"
        defer { unlink(pidFile) }
        let call = Task { try await Self.provider("echo $$ > \(pidFile); exec sleep 3", timeout: 0.3).generate(Self.prompt) }
        while !FileManager.default.fileExists(atPath: pidFile) { usleep(5_000) }
        for _ in 0..<ProcessInfo.processInfo.activeProcessorCount + 1 {
            Task.detached { usleep(5_000_000) }  // blocks a pool thread past the program's own end
        }
        let error = await #expect(throws: DeskError.self) { try await call.value }
        #expect(error?.code == .providerTimeout, "stopped at its limit, not run to its end")
    }

    @Test func emptyOutputAndAMissingProgramAreErrors() async {
        let empty = await #expect(throws: DeskError.self) { try await Self.provider("cat >/dev/null").generate(Self.prompt) }
        #expect(empty?.code == .providerBadResponse)
        var settings = ProviderSettings(name: "gone", kind: .command)
        settings.command = ["/nonexistent/writer"]
        let missing = await #expect(throws: DeskError.self) {
            try await CommandProvider(settings: settings).generate(Self.prompt)
        }
        #expect(missing?.code == .providerError)
        #expect(missing?.message.contains("/nonexistent/writer") == true)
    }

    @Test func aLargePromptAndALargeAnswerDoNotDeadlock() async throws {
        var big = Self.prompt
        big.user = String(repeating: "word ", count: 200_000)  // 1 MB on stdin
        let output = try await Self.provider("cat; head -c 2000000 /dev/zero | tr '\\0' x").generate(big)
        #expect((output.text?.utf8.count ?? 0) > 3_000_000)
    }
}

struct ProviderRegistryTests {
    @Test func itemsGoToTheFirstProviderServingTheirModalityAndOrg() throws {
        var script = ProviderSettings(name: "script", kind: .command)
        script.command = ["/bin/cat"]
        script.orgs = ["acme"]
        let registry = try ProviderRegistry(settings: [script, .offline])
        #expect(try registry.provider(for: "text", org: "acme").get().settings.name == "script")
        #expect(try registry.provider(for: "text", org: "other").get().settings.name == "offline")
        let video = #expect(throws: DeskError.self) { try registry.provider(for: "video", org: "acme").get() }
        #expect(video?.code == .unsupportedModality)
        #expect(video?.message.hasPrefix("no provider serves video for org acme") == true)
    }

    @Test func theCommandLineProviderComesFirstAndAnUnknownOneIsAnError() throws {
        var script = ProviderSettings(name: "script", kind: .command)
        script.command = ["/bin/cat"]
        let registry = try ProviderRegistry(settings: [script], preferred: "offline")
        #expect(registry.entries.map(\.settings.name) == ["offline", "script"])
        let error = #expect(throws: DeskError.self) { try ProviderRegistry(settings: [script], preferred: "gpt") }
        #expect(error?.message.contains("known: script, offline") == true)
    }

    @Test func unservedItemsAreRejectedAndTheRestGoOn() throws {
        var request = BatchRequest(
            format: "native",
            items: [
                WorkItem(index: 0, kind: .prompt, topic: "a"),
                WorkItem(index: 1, kind: .prompt, topic: "b", modality: "video"),
                WorkItem(index: 2, templateID: "t"),
            ])
        ProviderRegistry.offline.rejectUnserved(&request, org: "acme")
        #expect(request.items[0].rejection == nil)
        #expect(request.items[1].rejection?.code == .unsupportedModality)
        #expect(request.items[1].rejection?.field == "items[1].modality")
        #expect(request.items[2].rejection == nil, "copy items need no provider")
    }

    @Test func theConcurrencyLimitHolds() async {
        let limiter = ConcurrencyLimiter(limit: 3)
        let gauge = Gauge()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    await limiter.withPlace {
                        await gauge.enter()
                        try? await Task.sleep(nanoseconds: 2_000_000)
                        await gauge.leave()
                    }
                }
            }
        }
        #expect(await gauge.peak == 3)
    }
}

actor Gauge {
    private var now = 0
    private(set) var peak = 0
    func enter() {
        now += 1
        peak = max(peak, now)
    }
    func leave() { now -= 1 }
}
