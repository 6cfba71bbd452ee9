import Desk
import DeskKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A desk inside a folder of its own, with a secret planted outside the desk and in the places
/// an escaping id would land, so a test can prove that no hostile request ever reads one.
///
/// ```
/// OUTER/secret.json, OUTER/secret.liquid          outside the desk
/// OUTER/desk/                                     the desk (root)
/// OUTER/desk/secret.json, library/secret.json, library/default/secret.json, …
/// ```
/// Each secret file is at once an approved template, a brand profile and a bavlio campaign whose
/// every text says ``marker``, so whichever way it were read, the marker would reach an output.
final class SealedDesk: @unchecked Sendable {
    /// The text of every secret: it must never appear in anything the desk writes.
    static let marker = "LEAKED-SECRET"

    /// A template, a brand profile and a campaign in one JSON object, all saying ``marker``.
    static let secret = #"""
        {"id": "secret", "approved": true, "name": "LEAKED-SECRET", "voice": "LEAKED-SECRET",
         "tagline": "LEAKED-SECRET", "system_prompt": "LEAKED-SECRET",
         "variants": [{"id": "a", "vars": {"body": "LEAKED-SECRET"}}],
         "steps": [{"index": 1, "subject": "LEAKED-SECRET", "instructions": "LEAKED-SECRET"}],
         "leads": [{"id": "l-1", "assignment": "PERSONALIZATION", "fields": {"note": "LEAKED-SECRET"}}]}
        """#

    let outer: String
    let layout: DeskLayout
    let clock: TestClock
    let desk: Desk
    /// Every file planted outside the desk or outside an org's library, and its bytes.
    private(set) var planted: [String: [UInt8]] = [:]

    /// A desk with orgs `orgs` (each with a `hello` template) and the secrets planted.
    init(orgs: [String] = ["default"]) throws {
        var template = Array((NSTemporaryDirectory() + "/copydesk-sealed.XXXXXX").utf8CString)
        guard let path = mkdtemp(&template) else { throw Errno(errno, "mkdtemp") }
        outer = String(cString: path)
        layout = DeskLayout(root: outer + "/desk")
        try FileSystem.createDirectory(layout.root)
        for folder in layout.requiredFolders { try FileSystem.createDirectory(folder) }
        for org in orgs {
            try FileSystem.ensureDirectory(layout.templates(org: org) + "/partials")
            try AtomicFile.write(
                Array(
                    #"{"id": "hello", "approved": true, "variants": [{"id": "a", "vars": {"body": "Hello {{ name }}"}}]}"#
                        .utf8), to: layout.templates(org: org) + "/hello.json")
            if org != DeskLayout.defaultOrg { try FileSystem.ensureDirectory(layout.inbox(org: org)) }
        }
        clock = TestClock(Timestamp(iso8601: "2026-11-23T10:00:00Z")!)
        desk = try Desk(root: layout.root, logger: .silent, clock: clock, randomSeed: 7)
        for folder in [outer, layout.root, layout.library, layout.library(org: DeskLayout.defaultOrg)] {
            try FileSystem.ensureDirectory(folder)
            try plant(Array(Self.secret.utf8), at: folder + "/secret.json")
            try plant(Array("LEAKED-SECRET {{ name }}".utf8), at: folder + "/secret.liquid")
        }
    }

    /// Writes `bytes` at `path` and remembers it as a secret that must stay unread and unchanged.
    func plant(_ bytes: [UInt8], at path: String) throws {
        try FileSystem.ensureDirectory(Path.parent(path))
        try AtomicFile.write(bytes, to: path)
        planted[path] = bytes
    }

    /// Drops `text` as `name` into the inbox of `org` and returns its batch id.
    @discardableResult
    func drop(_ text: String, as name: String, org: String = DeskLayout.defaultOrg) throws -> String {
        let path = layout.inbox(org: org) + "/" + name
        try AtomicFile.write(Array(text.utf8), to: path)
        var times = [timespec(tv_sec: 946_684_800, tv_nsec: 0), timespec(tv_sec: 946_684_800, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, path, &times, 0)
        return BatchID.make(name: name, hexDigest: SHA256.hexDigest(Array(text.utf8)))
    }

    /// One pass of the desk.
    func pass() async throws { _ = try await desk.processOnce() }

    func json(_ path: String) throws -> JSONValue { try JSONValue.parse(try #require(try FileSystem.readFile(path))) }

    /// The status of `batch` in `org`.
    func status(_ batch: String, org: String = DeskLayout.defaultOrg) throws -> JSONValue {
        try json(layout.status(org: org, batchID: batch))
    }

    /// The whole-file error of `name` in `org`'s rejected folder.
    func rejection(_ name: String, org: String = DeskLayout.defaultOrg) throws -> JSONValue {
        try json(layout.rejected(org: org) + "/" + name + ".error.json")
    }

    /// Every regular file under `folder`, recursively (dot-files included).
    func files(under folder: String) -> [String] {
        var out: [String] = []
        for entry in (try? FileSystem.entries(of: folder)) ?? [] {
            let path = folder + "/" + entry.name
            switch entry.kind {
            case .directory: out += files(under: path)
            case .file: out.append(path)
            default: break
            }
        }
        return out
    }

    /// Files the desk wrote that contain ``marker`` (the planted secrets themselves excluded).
    func leaks(under folder: String? = nil) -> [String] {
        files(under: folder ?? outer).filter { path in
            guard planted[path] == nil, let bytes = try? FileSystem.readFile(path) else { return false }
            return String(decoding: bytes, as: UTF8.self).contains(Self.marker)
        }
    }

    /// Checks that nothing outside the desk changed and no secret reached any file the desk wrote.
    func expectSealed(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(leaks().isEmpty, "a secret reached \(leaks())", sourceLocation: sourceLocation)
        let outside = files(under: outer).filter { !$0.hasPrefix(layout.root + "/") }
        #expect(
            Set(outside) == Set(planted.keys.filter { !$0.hasPrefix(layout.root + "/") }),
            "files appeared outside the desk: \(outside)", sourceLocation: sourceLocation)
        for (path, bytes) in planted {
            #expect((try? FileSystem.readFile(path)) == bytes, "\(path) changed", sourceLocation: sourceLocation)
        }
    }
}
