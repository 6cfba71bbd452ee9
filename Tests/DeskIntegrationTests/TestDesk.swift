import DeskKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A desk in a fresh temporary folder, driven through the real `copydesk` binary.
final class TestDesk: @unchecked Sendable {
    let root: String
    let layout: DeskLayout
    private(set) var daemon: Process?
    private var logPath: String

    /// The `copydesk` binary built beside the test bundle (`swift build` puts both in one folder).
    static let binary: String = {
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("copydesk").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("copydesk").path
    }()

    init(config: String? = nil) throws {
        var template = Array("/tmp/copydesk-it.XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw Errno(errno, "mkdtemp")
        }
        // (The pointer of a temporary array must not escape its closure: decode the bytes instead.)
        root = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        layout = DeskLayout(root: root)
        logPath = root + ".log"
        for folder in layout.requiredFolders { try FileSystem.createDirectory(folder) }
        try FileSystem.createDirectory(layout.templates(org: "default"))
        try write(
            """
            {"id": "hello", "approved": true, "variants": [
              {"id": "a", "vars": {"greeting": "Hello {{ name | capitalize }}", "n": "{{ n }}"}},
              {"id": "b", "weight": 0, "vars": {"greeting": "Hi {{ name }}"}}]}
            """, to: layout.templates(org: "default") + "/hello.json")
        if let config { try write(config, to: root + "/copydesk.json") }
    }

    deinit {
        if let daemon, daemon.isRunning {
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
        }
        // COPYDESK_KEEP_TEST_DESKS=1 keeps the folders for a post-mortem.
        guard ProcessInfo.processInfo.environment["COPYDESK_KEEP_TEST_DESKS"] == nil else { return }
        try? FileManager.default.removeItem(atPath: root)
        try? FileManager.default.removeItem(atPath: logPath)
    }

    func write(_ text: String, to path: String) throws {
        try FileSystem.createDirectory(Path.parent(path))
        try AtomicFile.write(Array(text.utf8), to: path, syncDirectory: false)
    }

    /// Drops a request the way producers should: a dotfile, then a rename into the inbox.
    func drop(_ text: String, as name: String, org: String = "default") throws {
        let folder = layout.inbox(org: org)
        try FileSystem.createDirectory(folder)
        let temp = folder + "/." + name + ".part"
        let fd = try FileDescriptor.open(temp, O_WRONLY | O_CREAT | O_TRUNC)
        try fd.writeAll(Array(text.utf8))
        fd.close()
        try FileSystem.rename(temp, to: folder + "/" + name)
    }

    /// A one-item native request for template `hello`.
    static func request(_ name: String, n: Int = 0) -> String {
        #"{"template_id": "hello", "items": [{"id": "i", "fields": {"name": "\#(name)", "n": \#(n)}}]}"#
    }

    /// Starts `copydesk watch` on the desk and waits until it watches the inbox.
    func start(extra: [String] = []) throws {
        let pid = try launch(extra: extra)
        // Ready once it has written its first heartbeat.
        let health = layout.health
        try waitUntil(seconds: 30, "daemon \(pid) writes health.json") {
            guard let bytes = try? FileSystem.readFile(health), let json = try? JSONValue.parse(bytes) else {
                return false
            }
            return json["pid"]?.intValue == Int(pid) && json["status"]?.stringValue == "running"
        }
    }

    /// Starts `copydesk watch` on the desk without waiting for it: it may still be recovering
    /// claims and journals when this returns. Returns its pid.
    @discardableResult
    func launch(extra: [String] = []) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        let level = ProcessInfo.processInfo.environment["COPYDESK_TEST_LOG_LEVEL"] ?? "warn"
        process.arguments = ["watch", root, "--log-level", level] + extra
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = FileHandle(forWritingAtPath: logPath)!
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        daemon = process
        return process.processIdentifier
    }

    /// Sends `signal` to the daemon.
    func signal(_ sig: Int32) {
        if let daemon { kill(daemon.processIdentifier, sig) }
    }

    /// Stops the daemon with `sig` (SIGTERM by default) and returns its exit status.
    @discardableResult
    func stop(with sig: Int32 = SIGTERM) -> Int32 {
        guard let daemon else { return -1 }
        kill(daemon.processIdentifier, sig)
        daemon.waitUntilExit()
        self.daemon = nil
        return daemon.terminationStatus
    }

    /// Kills the daemon with SIGKILL at once.
    func crash() {
        guard let daemon else { return }
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        self.daemon = nil
    }

    var isRunning: Bool { daemon?.isRunning ?? false }

    /// Runs the binary to completion with `arguments`; returns exit status and output.
    @discardableResult
    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errData, as: UTF8.self)
        )
    }

    func files(in folder: String) -> [String] {
        ((try? FileSystem.entries(of: folder)) ?? []).filter { !$0.name.hasPrefix(".") && $0.kind != .directory }.map(
            \.name
        )
        .sorted()
    }

    func results(org: String = "default") -> [String] {
        files(in: layout.outbox(org: org)).filter { $0.hasSuffix(".result.json") }
    }

    func json(_ path: String) throws -> JSONValue {
        guard let bytes = try FileSystem.readFile(path) else { throw Errno(EFBIG, path) }
        return try JSONValue.parse(bytes)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func metric(_ line: String) -> Double? {
        guard let text = try? String(contentsOfFile: layout.metrics, encoding: .utf8) else { return nil }
        for l in text.split(separator: "\n") where l.hasPrefix(line + " ") {
            return Double(l.dropFirst(line.count + 1))
        }
        return nil
    }
}

struct Timeout: Error, CustomStringConvertible {
    var description: String
}

/// Polls `condition` every 10 ms until it holds; throws after `seconds` (a generous bound, not a
/// measurement: timings are measured by Scripts/bench).
func waitUntil(seconds: Double, _ what: String, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        if Date() > deadline { throw Timeout(description: "timed out after \(seconds) s waiting until \(what)") }
        usleep(10_000)
    }
}
