import DeskKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Bad files end in rejected/ with a clear error, and the daemon keeps running.
@Suite(.serialized)
struct HostileInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var code: String
        var make: @Sendable (String) throws -> Void
        var testDescription: String { name }
    }

    static func writeBytes(_ bytes: [UInt8], _ path: String) throws {
        let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC)
        try fd.writeAll(bytes)
        fd.close()
    }

    static let cases: [Case] = [
        Case(name: "empty.json", code: "INVALID_JSON") { try writeBytes([], $0) },
        Case(name: "garbage.json", code: "INVALID_JSON") { path in
            var generator = SystemRandomNumberGenerator()
            try writeBytes((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) | 0x80 }, path)
        },
        Case(name: "truncated.json", code: "INVALID_JSON") {
            try writeBytes(Array(#"{"template_id": "hello", "items": [{"id": "a", "fields": {"na"#.utf8), $0)
        },
        Case(name: "huge.json", code: "TOO_LARGE") { path in
            let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC)
            try fd.writeAll(Array(#"{"items": ["#.utf8))
            _ = ftruncate(fd.rawValue, 100 * 1024 * 1024)
            fd.close()
        },
        Case(name: "passwd.json", code: "UNSUPPORTED_FILE") { path in
            _ = symlink("/etc/passwd", path)
        },
        Case(name: "nested.json", code: "INVALID_JSON") { path in
            try writeBytes(
                [UInt8](repeating: 0x5B, count: 1_000_000) + [UInt8](repeating: 0x5D, count: 1_000_000), path)
        },
        Case(name: "not-a-request.json", code: "UNKNOWN_FORMAT") { try writeBytes(Array(#"{"hello": 1}"#.utf8), $0) },
        Case(name: "bad-items.json", code: "INVALID_REQUEST") { try writeBytes(Array(#"{"items": 3}"#.utf8), $0) },
        Case(name: "notes.txt", code: "UNKNOWN_FORMAT") { try writeBytes(Array("hello".utf8), $0) },
    ]

    @Test(arguments: cases)
    func aBadFileIsRejectedWithAClearError(_ bad: Case) throws {
        let desk = try TestDesk()
        try desk.start()
        // Made outside the inbox and renamed in whole, as a producer hands a file over; the daemon
        // must cope with whatever it finds.
        let staging = desk.root + "/" + bad.name
        try bad.make(staging)
        try FileSystem.rename(staging, to: desk.layout.inbox + "/" + bad.name)
        let rejected = desk.layout.rejected(org: "default")
        try waitUntil(seconds: 60, "\(bad.name) is rejected") {
            // The error file is written first, then the input is moved beside it.
            let names = desk.files(in: rejected)
            return names.contains(bad.name + ".error.json") && names.contains(bad.name)
        }
        let error = try desk.json(rejected + "/" + bad.name + ".error.json")
        #expect(error["code"]?.stringValue == bad.code)
        #expect((error["message"]?.stringValue ?? "").count > 10)
        #expect(error["file"]?.stringValue == bad.name)
        if bad.code == "INVALID_JSON" {
            #expect(error["line"]?.intValue != nil && error["column"]?.intValue != nil)
        }
        #expect(desk.files(in: rejected).contains(bad.name))
        if bad.name == "passwd.json" {
            // The link itself was moved, never followed: /etc/passwd is untouched and still there.
            let st = try FileSystem.linkStatus(rejected + "/" + bad.name)
            #expect(st.map { FileSystem.kind(of: $0) } == .symlink)
            #expect(FileSystem.exists("/etc/passwd"))
        }
        // Still running, still working.
        #expect(desk.isRunning)
        try desk.drop(TestDesk.request("after"), as: "after.json")
        try waitUntil(seconds: 30, "a good file after the bad one is processed") { desk.results().count == 1 }
        #expect(desk.stop() == 0)
    }

    @Test func anInvalidJSONErrorSaysWhere() throws {
        let desk = try TestDesk()
        try desk.drop("{\n  \"items\": [\n    {\"id\": 1,,}\n  ]\n}", as: "typo.json")
        let run = try TestDesk.run(["process", desk.root])
        #expect(run.status == 1)
        let error = try desk.json(desk.layout.rejected(org: "default") + "/typo.json.error.json")
        #expect(error["code"]?.stringValue == "INVALID_JSON")
        #expect(error["line"]?.intValue == 3)
        #expect(error["column"]?.intValue == 14)
    }

    @Test func aFolderThatIsNotAnOrgNameIsReportedNotSilentlySkipped() throws {
        let desk = try TestDesk()
        let folder = desk.layout.inbox + "/My Team"
        try FileSystem.createDirectory(folder)
        try desk.write(TestDesk.request("x"), to: folder + "/a.json")
        _ = try TestDesk.run(["process", desk.root])
        let report = try desk.json(desk.layout.rejected(org: "default") + "/My Team.folder.error.json")
        #expect(report["code"]?.stringValue == "INVALID_REQUEST")
        #expect(report["folder"]?.stringValue == "inbox/My Team")
        #expect(report["message"]?.stringValue?.contains("not a usable org name") == true)
        #expect(FileSystem.exists(folder + "/a.json"))
        #expect(desk.results().isEmpty)
    }
}
