import DeskKit
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The fixed files some targets need: a small bavlio library (one campaign, inline leads and a
/// leads CSV) and a folder for the CSV reader's temporary files. Made once per process in a
/// fresh temporary folder, which is removed at exit.
final class FuzzLibrary: Sendable {
    /// The library of the process.
    static let shared = FuzzLibrary()

    /// The temporary folder holding everything.
    let root: String
    /// The org's library folder (`<root>/library/default`), as a bavlio request's context names it.
    let library: String
    private let counter = Atomic<Int>(0)

    /// A campaign `spring` with two steps, three inline leads and a leads CSV.
    static let campaign = #"""
        {"name": "Spring", "system_prompt": "You write short B2B emails.", "brand_id": "default",
         "defaults": {"tone": "warm", "length": "short"},
         "sender": {"name": "Dana", "custom_prompt": "Sign as Dana."},
         "steps": [{"index": 1, "channel": "email", "subject": "Hello", "instructions": "Say hello."},
                   {"index": 2, "channel": "email", "subject": "Following up", "instructions": "Follow up."}],
         "leads": [{"id": "l-1", "assignment": "PERSONALIZATION", "fields": {"first_name": "Jane"}},
                   {"id": "l-2", "assignment": "CONTROL", "fields": {"first_name": "Omar"}},
                   {"id": 3, "assignment": "personalization", "fields": "bad"}],
         "leads_from": "spring-leads.csv"}
        """#

    /// The leads CSV of `spring`.
    static let leads =
        "id,assignment,first_name,company\nc-1,PERSONALIZATION,Mei,\"Acme, Inc\"\nc-2,CONTROL,Li,X\n,PERSONALIZATION,Bo\n"

    private init() {
        var template = Array("/tmp/copydesk-fuzz-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "cannot make a temporary folder for the fuzz library")
        root = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        library = root + "/library/default"
        do throws(Errno) {
            try FileSystem.ensureDirectory(library + "/campaigns")
            try AtomicFile.write(Array(Self.campaign.utf8), to: library + "/campaigns/spring.json")
            try AtomicFile.write(Array(Self.leads.utf8), to: library + "/campaigns/spring-leads.csv")
            try FileSystem.ensureDirectory(root + "/csv")
        } catch {
            preconditionFailure("cannot write the fuzz library in \(root): \(error)")
        }
        Self.madeRoot.withLock { $0 = root }
        atexit { FuzzLibrary.removeFiles() }
    }

    private static let madeRoot = Mutex<String?>(nil)

    /// Removes the files and folders made at start (best effort, at exit).
    private static func removeFiles() {
        guard let root = madeRoot.withLock({ $0 }) else { return }
        let library = root + "/library/default"
        for file in [library + "/campaigns/spring.json", library + "/campaigns/spring-leads.csv"] { unlink(file) }
        for folder in [library + "/campaigns", library, root + "/library", root + "/csv", root] { rmdir(folder) }
    }

    /// Writes `bytes` to a temporary file of its own, calls `body` with its path, and removes it.
    func withTemporaryFile(_ bytes: [UInt8], _ body: (String) -> Void) {
        let n = counter.add(1, ordering: .relaxed).newValue
        let path = root + "/csv/\(n).csv"
        guard let fd = try? FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC) else { return }
        let written: Bool = (try? fd.writeAll(bytes)) != nil
        fd.close()
        defer { unlink(path) }
        if written { body(path) }
    }
}
