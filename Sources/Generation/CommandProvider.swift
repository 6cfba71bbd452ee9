import DeskKit
import Dispatch
import Foundation

/// A provider that runs a program: the prompt goes to its stdin, its stdout is the output.
///
/// The program gets the system prompt, a blank line, then the user message on stdin, and
/// `COPYDESK_MODALITY`, `COPYDESK_PROMPT_VERSION_HASH` and `COPYDESK_PROVIDER` in its
/// environment. Its stdout, trimmed, is the text. A non-zero exit fails the item
/// `PROVIDER_ERROR` with the end of its stderr; a run longer than `timeout_seconds` is stopped
/// (SIGTERM, then SIGKILL a second later) and fails `PROVIDER_TIMEOUT`. The program is never run
/// through a shell: `command` is the program and its arguments.
public struct CommandProvider: ContentProvider {
    public let name: String
    public let modalities: [String]
    private let command: [String]
    private let timeout: Double

    /// The most bytes of stdout kept; more fails the item.
    static let outputLimit = 8 << 20

    /// A provider running `settings.command`.
    public init(settings: ProviderSettings) {
        name = settings.name
        modalities = settings.modalities
        command = settings.command
        timeout = settings.timeoutSeconds
    }

    public func generate(_ prompt: Prompt) async throws(DeskError) -> ProviderOutput {
        let started = DispatchTime.now().uptimeNanoseconds
        let input = Array((prompt.system + "\n\n" + prompt.user).utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["COPYDESK_MODALITY"] = prompt.modality
        environment["COPYDESK_PROMPT_VERSION_HASH"] = prompt.versionHash
        environment["COPYDESK_PROVIDER"] = name
        let run = await Self.run(command, input: input, environment: environment, timeout: timeout)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let program = Path.name(command[0])
        switch run {
        case .failure(let error):
            throw error
        case .success(let r) where r.timedOut:
            throw DeskError(
                .providerTimeout,
                "provider \(name): \(program) did not finish within \(Self.seconds(timeout)) s and was stopped; raise timeout_seconds or make it faster",
                field: "provider")
        case .success(let r) where r.status != 0:
            let tail = String(decoding: r.stderr.suffix(600), as: UTF8.self).trimmingSpaces()
            throw DeskError(
                .providerError,
                "provider \(name): \(program) \(r.signalled ? "was killed by signal" : "exited with status") \(r.status)"
                    + (tail.isEmpty ? "" : ": \(tail)"),
                field: "provider")
        case .success(let r) where r.stdout.count > Self.outputLimit:
            throw DeskError(
                .providerBadResponse, "provider \(name): \(program) wrote more than \(Self.outputLimit >> 20) MiB",
                field: "provider")
        case .success(let r):
            let text = String(decoding: r.stdout, as: UTF8.self).trimmingSpaces()
            guard !text.isEmpty else {
                throw DeskError(
                    .providerBadResponse, "provider \(name): \(program) exited 0 but wrote nothing on stdout",
                    field: "provider")
            }
            return ProviderOutput(
                text: text, provider: name, model: program, promptTokens: OfflineProvider.words(prompt.system + " " + prompt.user),
                completionTokens: OfflineProvider.words(text), latencySeconds: seconds)
        }
    }

    struct Run: Sendable {
        var status: Int32
        var signalled: Bool
        var timedOut: Bool
        var stdout: [UInt8]
        var stderr: [UInt8]
    }

    static func seconds(_ d: Double) -> String {
        d == d.rounded() ? String(Int(d)) : String(d)
    }

    /// Runs `command` with `input` on stdin; waits without holding a thread of the caller's.
    static func run(
        _ command: [String], input: [UInt8], environment: [String: String], timeout: Double
    ) async -> Result<Run, DeskError> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: resolve(command[0]))
        process.arguments = Array(command.dropFirst())
        process.environment = environment
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let collected = Collected()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Result<Run, DeskError>, Never>) in
            let done = DispatchGroup()
            done.enter()
            done.enter()
            done.enter()
            process.terminationHandler = { _ in done.leave() }
            do {
                try process.run()
            } catch {
                continuation.resume(
                    returning: .failure(
                        DeskError(
                            .providerError,
                            "the command provider could not start \(command[0]): \(error.localizedDescription); check \"command\" in copydesk.json",
                            field: "provider")))
                return
            }
            let queue = DispatchQueue.global()
            queue.async {
                // Written apart from the reads, so a program that answers before reading all of
                // its input cannot deadlock with us.
                let handle = stdin.fileHandleForWriting
                try? handle.write(contentsOf: input)
                try? handle.close()
            }
            queue.async {
                collected.setOut(Self.readAll(stdout.fileHandleForReading, limit: outputLimit + 1))
                done.leave()
            }
            queue.async {
                collected.setErr(Self.readAll(stderr.fileHandleForReading, limit: 64 << 10))
                done.leave()
            }
            let pid = process.processIdentifier
            queue.asyncAfter(deadline: .now() + timeout) {
                guard process.isRunning else { return }
                collected.markTimedOut()
                kill(pid, SIGTERM)
                queue.asyncAfter(deadline: .now() + 1) { if process.isRunning { kill(pid, SIGKILL) } }
            }
            done.notify(queue: queue) {
                let run = Run(
                    status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                    timedOut: collected.timedOut, stdout: collected.out, stderr: collected.err)
                continuation.resume(returning: .success(run))
            }
        }
    }

    /// Reads `handle` to its end, keeping at most `limit` bytes (the rest is drained).
    static func readAll(_ handle: FileHandle, limit: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        while true {
            guard let chunk = try? handle.read(upToCount: 65_536), !chunk.isEmpty else { break }
            if bytes.count < limit { bytes.append(contentsOf: chunk.prefix(limit - bytes.count)) }
        }
        return bytes
    }

    /// `program` as a path: as given when it has a `/`, else found on `PATH`.
    static func resolve(_ program: String) -> String {
        if program.contains("/") { return program }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(program)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return program
    }
}

/// What a command wrote, gathered from several threads.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var _out: [UInt8] = []
    private var _err: [UInt8] = []
    private var _timedOut = false

    var out: [UInt8] { lock.withLock { _out } }
    var err: [UInt8] { lock.withLock { _err } }
    var timedOut: Bool { lock.withLock { _timedOut } }
    func setOut(_ b: [UInt8]) { lock.withLock { _out = b } }
    func setErr(_ b: [UInt8]) { lock.withLock { _err = b } }
    func markTimedOut() { lock.withLock { _timedOut = true } }
}
