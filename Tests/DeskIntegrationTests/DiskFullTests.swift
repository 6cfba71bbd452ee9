import DeskKit
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A desk on a small tmpfs that fills up: nothing is half-written, the files stay claimed, the
/// daemon keeps running and says so, and everything is done once space returns.
///
/// Mounting needs root (CI runs as root); elsewhere the test is skipped, saying why.
@Suite(.serialized)
struct DiskFullTests {
    /// Whether this process may mount a tmpfs (it tries one).
    static let canMount: Bool = {
        guard getuid() == 0 else { return false }
        var template = Array("/tmp/copydesk-mount-probe.XXXXXX".utf8CString)
        guard let path = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }).map({ String(cString: $0) })
        else { return false }
        defer { rmdir(path) }
        guard mount("tmpfs", path, "tmpfs", 0, "size=1m") == 0 else { return false }
        umount(path)
        return true
    }()

    @Test(.enabled(if: canMount, "needs root and permission to mount a tmpfs (mount(2)); skipped otherwise"))
    func aFullDiskKeepsFilesClaimedAndTheyAreDoneWhenSpaceReturns() throws {
        var template = Array("/tmp/copydesk-full.XXXXXX".utf8CString)
        let mountPoint = try #require(
            template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        #expect(mount("tmpfs", mountPoint, "tmpfs", 0, "size=4m") == 0)
        defer {
            umount2(mountPoint, Int32(MNT_DETACH))
            rmdir(mountPoint)
        }
        let root = mountPoint + "/desk"
        let layout = DeskLayout(root: root)
        for folder in layout.requiredFolders { try FileSystem.createDirectory(folder) }
        try FileSystem.createDirectory(layout.templates(org: "default"))
        try AtomicFile.write(
            Array(#"{"id": "hello", "approved": true, "variants": [{"id": "a", "vars": {"greeting": "Hello {{ name }}, number {{ n }} of the spring campaign"}}]}"#.utf8),
            to: layout.templates(org: "default") + "/hello.json")
        // Three requests whose results (about 200 KiB each) cannot fit in what is left.
        for r in 0..<3 {
            let items = (0..<1_500).map { #"{"id": "r\#(r)-\#($0)", "fields": {"name": "reader \#(r)", "n": \#($0)}}"# }
            try AtomicFile.write(
                Array(#"{"template_id": "hello", "items": [\#(items.joined(separator: ","))]}"#.utf8),
                to: layout.inbox + "/big-\(r).json")
        }
        // Fill the disk, then give back 64 KiB: enough for health and metrics, not for results.
        let filler = mountPoint + "/filler"
        let fd = try FileDescriptor.open(filler, O_WRONLY | O_CREAT | O_TRUNC)
        let chunk = [UInt8](repeating: 0x58, count: 64 * 1024)
        while (try? fd.writeAll(chunk)) != nil {}
        var st = stat()
        _ = fstat(fd.rawValue, &st)
        _ = ftruncate(fd.rawValue, st.st_size - 64 * 1024)
        fd.close()

        let worker = MultiProcessTests.Worker(root: root, number: 0)
        defer { worker.kill9() }
        try worker.start()
        try waitUntil(seconds: 60, "health.json says degraded with ENOSPC") {
            guard let bytes = try? FileSystem.readFile(layout.health), let json = try? JSONValue.parse(bytes) else {
                return false
            }
            return json["status"]?.stringValue == "degraded" && json["last_io_error"]?["errno"]?.stringValue == "ENOSPC"
        }
        #expect(worker.process?.isRunning == true, "the daemon keeps running")
        let metrics = (try? String(contentsOfFile: layout.metrics, encoding: .utf8)) ?? ""
        #expect(metrics.contains(#"copydesk_io_errors_total{errno="ENOSPC"}"#))
        // Nothing half-written: no result, no temp file, nothing rejected; the requests are claimed.
        let outbox = (try? FileSystem.entries(of: layout.outbox(org: "default")).map(\.name)) ?? []
        #expect(!outbox.contains { $0.hasSuffix(".result.json") })
        #expect(!outbox.contains { $0.hasSuffix(".tmp") })
        #expect(((try? FileSystem.entries(of: layout.rejected(org: "default"))) ?? []).isEmpty)
        #expect(((try? FileSystem.entries(of: layout.inbox)) ?? []).filter { $0.kind != .directory }.isEmpty)

        try FileSystem.remove(filler)  // space returns
        try waitUntil(seconds: 60, "every request has its result") {
            (((try? FileSystem.entries(of: layout.outbox(org: "default"))) ?? []).filter {
                $0.name.hasSuffix(".result.json")
            }).count == 3
        }
        for entry in try FileSystem.entries(of: layout.outbox(org: "default")) where entry.name.hasSuffix(".result.json") {
            let result = try JSONValue.parse(try #require(try FileSystem.readFile(layout.outbox(org: "default") + "/" + entry.name)))
            #expect(result["items"]?.arrayValue?.count == 1_500)
            #expect(result["counts"]?["generated"]?.intValue == 1_500)
        }
        #expect(worker.stop() == 0)
        #expect(worker.log.contains("ENOSPC") || worker.log.contains("No space left"))
    }
}
