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
                "provider \(name): \(program) " + (r.signalled ? "was killed by signal \(r.status - 128)" : "exited with status \(r.status)")
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
        let child: ChildProcess
        do throws(Errno) {
            child = try ChildProcess.spawn(
                path: resolve(command[0]), arguments: command, environment: environment.map { "\($0.key)=\($0.value)" })
        } catch {
            return .failure(
                DeskError(
                    .providerError,
                    "the command provider could not start \(command[0]): \(error.reason); check \"command\" in copydesk.json",
                    field: "provider", cause: error.description))
        }
        let collected = Collected()
        // The blocking reads, writes, waitpid and the time limit run on threads of their own,
        // never on the cooperative pool or GCD's global queue: a pool whose few threads are busy
        // must not be able to delay stopping a program past its limit.
        Thread.detachNewThread {
            guard !collected.waitForExit(seconds: timeout), collected.markTimedOutIfRunning() else { return }
            kill(child.pid, SIGTERM)
            if !collected.waitForExit(seconds: 1) { kill(child.pid, SIGKILL) }
        }
        let run = await withCheckedContinuation { (continuation: CheckedContinuation<Run, Never>) in
            let remaining = Countdown(4) {
                continuation.resume(
                    returning: Run(
                        status: collected.status, signalled: collected.signalled, timedOut: collected.timedOut,
                        stdout: collected.out, stderr: collected.err))
            }
            // Written apart from the reads, so a program that answers before reading all of its
            // input cannot deadlock with us (a program that stops reading gives EPIPE, not a kill).
            Thread.detachNewThread {
                // SIGPIPE from a write goes to the writing thread: blocked here, the write fails
                // EPIPE instead of ending the process, whatever the process's own handling is.
                var pipeSignal = sigset_t()
                sigemptyset(&pipeSignal)
                sigaddset(&pipeSignal, SIGPIPE)
                pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
                try? child.stdin.writeAll(input)
                child.stdin.close()
                remaining.done()
            }
            Thread.detachNewThread {
                collected.setOut(Self.drain(child.stdout, limit: outputLimit + 1))
                child.stdout.close()
                remaining.done()
            }
            Thread.detachNewThread {
                collected.setErr(Self.drain(child.stderr, limit: 64 << 10))
                child.stderr.close()
                remaining.done()
            }
            Thread.detachNewThread {
                let (status, signalled) = child.wait()
                collected.markExited(status: status, signalled: signalled)
                remaining.done()
            }
        }
        return .success(run)
    }

    /// Reads `fd` to its end, keeping at most `limit` bytes (the rest is drained).
    static func drain(_ fd: FileDescriptor, limit: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = (try? buffer.withUnsafeMutableBytes { (raw) throws(Errno) -> Int in try fd.read(into: raw) }) ?? 0
            if n <= 0 { break }
            if bytes.count < limit { bytes.append(contentsOf: buffer[0..<min(n, limit - bytes.count)]) }
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

/// What a command wrote and how it ended, gathered from several threads.
private final class Collected: @unchecked Sendable {
    private let condition = NSCondition()
    private var _out: [UInt8] = []
    private var _err: [UInt8] = []
    private var _timedOut = false
    private var _exited = false
    private var _status: Int32 = -1
    private var _signalled = false

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }

    var out: [UInt8] { locked { _out } }
    var err: [UInt8] { locked { _err } }
    var timedOut: Bool { locked { _timedOut } }
    var status: Int32 { locked { _status } }
    var signalled: Bool { locked { _signalled } }
    func setOut(_ b: [UInt8]) { locked { _out = b } }
    func setErr(_ b: [UInt8]) { locked { _err = b } }
    func markExited(status: Int32, signalled: Bool) {
        locked {
            _exited = true
            _status = status
            _signalled = signalled
            condition.broadcast()
        }
    }
    /// Waits up to `seconds` for the program to exit; says whether it did.
    func waitForExit(seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        return locked {
            while !_exited && condition.wait(until: deadline) {}
            return _exited
        }
    }
    /// Records a timeout unless the program has exited; says whether it had not.
    func markTimedOutIfRunning() -> Bool {
        locked {
            if _exited { return false }
            _timedOut = true
            return true
        }
    }
}

/// Calls its action once `done()` has been called `count` times.
private final class Countdown: @unchecked Sendable {
    private let lock = NSLock()
    private var count: Int
    private let action: () -> Void

    init(_ count: Int, action: @escaping () -> Void) {
        self.count = count
        self.action = action
    }

    func done() {
        let last = lock.withLock {
            count -= 1
            return count == 0
        }
        if last { action() }
    }
}
