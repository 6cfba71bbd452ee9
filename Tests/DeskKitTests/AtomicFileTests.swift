import DeskKit
import Foundation
import Testing

/// A fresh temporary folder for one test.
func temporaryFolder() throws -> String {
    var template = Array((NSTemporaryDirectory() + "/copydesk-unit.XXXXXX").utf8CString)
    guard let path = mkdtemp(&template) else { throw Errno(errno, "mkdtemp") }
    return String(cString: path)
}

struct AtomicFileTests {
    @Test func writeReplacesTheFileWholeAndLeavesNoTemporary() throws {
        let folder = try temporaryFolder()
        let path = folder + "/status.json"
        try AtomicFile.write(Array("first".utf8), to: path)
        try AtomicFile.write(Array("second, longer".utf8), to: path)
        #expect(try FileSystem.readFile(path, limit: 100) == Array("second, longer".utf8))
        #expect(try FileSystem.entries(of: folder).map(\.name) == ["status.json"])
    }

    @Test func temporaryNamesAreDotfilesNamingTheProcess() {
        let a = AtomicFile.temporaryName(for: "x.json")
        let b = AtomicFile.temporaryName(for: "x.json")
        #expect(a.hasPrefix(".x.json."))
        #expect(a.hasSuffix(".tmp"))
        #expect(a.contains(".\(getpid())."))
        #expect(a != b)
    }

    @Test func createNeverReplacesAnExistingFile() throws {
        let folder = try temporaryFolder()
        let path = folder + "/result.json"
        #expect(try AtomicFile.create(Array("one".utf8), at: path))
        #expect(try !AtomicFile.create(Array("two".utf8), at: path))
        #expect(try FileSystem.readFile(path, limit: 100) == Array("one".utf8))
        #expect(try FileSystem.entries(of: folder).count == 1)
    }

    @Test func writingIntoAMissingFolderThrowsENOENT() {
        #expect {
            try AtomicFile.write([1], to: "/nonexistent-copydesk/x")
        } throws: { error in
            (error as? Errno)?.code == ENOENT
        }
    }

    @Test func readFileRespectsItsLimitAndRefusesSymlinks() throws {
        let folder = try temporaryFolder()
        try AtomicFile.write([UInt8](repeating: 7, count: 1000), to: folder + "/big")
        #expect(try FileSystem.readFile(folder + "/big", limit: 999) == nil)
        #expect(try FileSystem.readFile(folder + "/big", limit: 1000)?.count == 1000)
        symlink("/etc/passwd", folder + "/link")
        #expect(throws: Errno.self) { try FileSystem.readFile(folder + "/link", limit: 1 << 20) }
    }
}
