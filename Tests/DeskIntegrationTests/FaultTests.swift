import DeskKit
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Faults of the filesystem around a running daemon: it reports them and goes on.
@Suite(.serialized)
struct FaultTests {
    @Test func anInboxDeletedAndRecreatedIsWatchedAgain() throws {
        let desk = try TestDesk()
        try desk.start()
        try FileManager.default.removeItem(atPath: desk.layout.inbox)
        usleep(300_000)
        try FileSystem.createDirectory(desk.layout.inbox)
        try waitUntil(seconds: 20, "the log says the inbox was recreated") { desk.log.contains("intake.inbox_recreated") }
        try desk.drop(TestDesk.request("after"), as: "after.json")
        try waitUntil(seconds: 20, "the file dropped into the new inbox has its result") { desk.results().count == 1 }
        #expect(desk.stop() == 0)
    }

    /// Whether the test can run the daemon as another user (root, with setpriv).
    static let canDropPrivileges = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

    @Test(.enabled(if: canDropPrivileges, "needs root and /usr/bin/setpriv to run the daemon as nobody; skipped otherwise"))
    func aFileTheDaemonMayNotReadIsRejectedAndTheRestGoesOn() throws {
        let desk = try TestDesk()
        // The daemon runs as nobody, from a copy of the binary it may execute.
        let binary = desk.root + "/copydesk-bin"
        try FileManager.default.copyItem(atPath: TestDesk.binary, toPath: binary)
        chmod(binary, 0o755)
        chmod(desk.root + "/..", 0o1777)
        for path in [desk.root] + (FileManager.default.subpaths(atPath: desk.root) ?? []).map({ desk.root + "/" + $0 }) {
            chown(path, 65534, 65534)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", binary, "watch", desk.root]
        let log = Pipe()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        try waitUntil(seconds: 30, "the daemon runs") {
            (try? FileSystem.readFile(desk.layout.health)).flatMap { $0 }.flatMap { try? JSONValue.parse($0) }?["status"]?
                .stringValue == "running"
        }
        // A root-owned, mode 600 request: nobody may rename it in (the folder is theirs) but not read it.
        let hidden = desk.layout.inbox + "/.secret.json.part"
        try AtomicFile.write(Array(TestDesk.request("secret").utf8), to: hidden)
        chmod(hidden, 0o600)
        try FileSystem.rename(hidden, to: desk.layout.inbox + "/secret.json")
        try desk.drop(TestDesk.request("open"), as: "open.json")
        chown(desk.layout.inbox + "/open.json", 65534, 65534)

        let errorFile = desk.layout.rejected(org: "default") + "/secret.json.error.json"
        try waitUntil(seconds: 30, "the unreadable file is rejected and the other one done") {
            FileSystem.exists(errorFile) && desk.results().count == 1
        }
        let error = try desk.json(errorFile)
        #expect(error["code"] == "PERMISSION_DENIED")
        #expect(error["message"]?.stringValue?.contains("make it readable") == true)
        #expect(process.isRunning, "never a crash")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
