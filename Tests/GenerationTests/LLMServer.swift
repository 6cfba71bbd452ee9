import DeskKit
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// A real llama.cpp llama-server on 127.0.0.1, started by a test and stopped by it.
///
/// The binary and model come from `Scripts/llm-server paths` (the repository is found from this
/// file's path). The server runs under a small shell that kills it when the test process is gone,
/// so a crashed test run leaves no server behind.
final class LLMServer: @unchecked Sendable {
    /// The repository's root folder.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `(server, model)` if both are installed, without installing anything.
    static let installed: (server: String, model: String)? = paths(installing: false)

    /// Whether the tests against the real server run: when it is installed, and always on CI
    /// (`CI=true`), where a missing server is installed (or fails the tests).
    static let enabled = installed != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    /// Why they are skipped, when they are.
    static let skipReason: Comment =
        "llama-server is not installed: run Scripts/llm-server install (or set CI=true to install it on demand)"

    /// The port it listens on.
    let port: UInt16
    /// `http://127.0.0.1:PORT/v1`.
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    private let pid: pid_t
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Starts a server on a free port; `apiKey` makes it require that key. Returns at once:
    /// ``waitUntilReady()`` waits for the model.
    init(apiKey: String? = nil) throws {
        guard let paths = Self.installed ?? Self.paths(installing: true) else {
            throw Failure("Scripts/llm-server paths found no server; run Scripts/llm-server install")
        }
        port = Self.freePort()
        var arguments = [
            paths.server, "-m", paths.model, "--host", "127.0.0.1", "--port", String(port), "-c", "4096", "-np", "4",
            "-t", "2", "--log-disable",
        ]
        if let apiKey { arguments += ["--api-key", apiKey] }
        // The shell starts the server and waits; it kills the server when told to stop (TERM)
        // or when the test process (its parent's pid, passed in) is gone.
        let watchdog = """
            "$@" & child=$!
            trap 'kill $child 2>/dev/null; wait $child; exit 0' TERM INT
            while kill -0 "$COPYDESK_TEST_PID" 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.5 & wait $!; done
            kill $child 2>/dev/null; wait $child
            """
        var environment = ProcessInfo.processInfo.environment
        environment["COPYDESK_TEST_PID"] = String(getpid())
        pid = try Self.spawn(["/bin/sh", "-c", watchdog, "llm-server"] + arguments, environment: environment)
    }

    /// Starts `arguments` with stdout and stderr on /dev/null, every signal unblocked and at its
    /// default (DeskKit's ``ChildProcess``: Foundation's `Process` passes on the mask of the
    /// thread that starts it, where Dispatch blocks nearly every signal: such a server never
    /// hears a SIGTERM).
    static func spawn(_ arguments: [String], environment: [String: String]) throws -> pid_t {
        try ChildProcess.spawnDetached(
            path: arguments[0], arguments: arguments, environment: environment.map { "\($0.key)=\($0.value)" })
    }

    /// Whether the server (its watchdog shell) still runs; reaps it when it has ended.
    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        guard exitStatus == nil else { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid || r < 0 { exitStatus = status }
        return exitStatus == nil
    }

    /// Waits until `/health` answers 200 (the model is loaded); throws if the server exits or
    /// takes more than `limit` seconds.
    func waitUntilReady(limit: Double = 180) async throws {
        try await waitForHealth(limit: limit) { $0 == 200 }
    }

    /// Waits until `/health` answers at all (the HTTP server is up, the model may be loading); its
    /// first status.
    @discardableResult
    func waitUntilListening(limit: Double = 180) async throws -> Int {
        try await waitForHealth(limit: limit) { _ in true }
    }

    @discardableResult
    private func waitForHealth(limit: Double, until done: (Int) -> Bool) async throws -> Int {
        let deadline = Date().addingTimeInterval(limit)
        let url = URL(string: "http://127.0.0.1:\(port)/health")!
        var request = URLRequest(url: url)
        request.timeoutInterval = 5
        while Date() < deadline {
            guard isRunning else { throw Failure("llama-server exited (wait status \(exitStatus ?? -1))") }
            if let (_, response) = try? await URLSession.shared.data(for: request),
                let status = (response as? HTTPURLResponse)?.statusCode, done(status)
            {
                return status
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        throw Failure("llama-server on port \(port) was not ready within \(Int(limit)) s")
    }

    /// Stops the server and waits (at most 10 s, then SIGKILL) for it to be gone.
    func stop() {
        guard isRunning else { return }
        kill(pid, SIGTERM)  // the watchdog passes it on and waits for the server
        for _ in 0..<500 where isRunning { usleep(20_000) }
        if isRunning {
            kill(pid, SIGKILL)
            for _ in 0..<100 where isRunning { usleep(20_000) }
        }
    }

    /// The paths `Scripts/llm-server paths` prints.
    static func paths(installing: Bool) -> (server: String, model: String)? {
        let script = Process()
        script.executableURL = repository.appendingPathComponent("Scripts/llm-server")
        script.arguments = installing ? ["paths"] : ["paths", "--installed"]
        let output = Pipe()
        script.standardOutput = output
        script.standardError = installing ? FileHandle.standardError : FileHandle.nullDevice
        guard (try? script.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        script.waitUntilExit()
        let words = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).map(String.init)
        guard script.terminationStatus == 0, words.count == 2 else { return nil }
        return (words[0], words[1])
    }

    /// A port nothing listens on right now (the kernel's choice for port 0).
    static func freePort() -> UInt16 { FaultServer.closedPort() }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
