#if canImport(Glibc)
import Glibc
#endif
import DeskKit

/// The outputs of a large batch, stored as they are made: `state/<org>/<batch_id>.items.jsonl`.
///
/// Each checkpoint appends one line per finished item and `fsync`s, before the status says those
/// items are done, so a restart resumes after the last checkpoint and never makes (or pays for)
/// an item twice. A torn last line from a crash is ignored. Removed once the result is written.
public struct ItemJournal: Sendable {
    /// The journal's path.
    public let path: String

    /// The journal at `path`.
    public init(path: String) { self.path = path }

    /// The outcomes stored so far, by item index. O(n) in the journal's size.
    public func load() -> [Int: ItemOutcome] {
        guard FileSystem.exists(path), let bytes = try? FileSystem.readFile(path) else { return [:] }
        var outcomes: [Int: ItemOutcome] = [:]
        for (_, result) in JSONValue.parseLines(bytes) {
            if case .success(let json) = result, let outcome = ItemOutcome(json: json) {
                outcomes[outcome.index] = outcome
            }
        }
        return outcomes
    }

    /// Appends `outcomes` and `fsync`s (`open(O_APPEND)`, `write(2)`, `fsync(2)`); the folder is
    /// `fsync`ed when the journal is created.
    public func append(_ outcomes: [ItemOutcome]) throws(Errno) {
        try appendLines(outcomes.map(\.json))
    }

    /// Appends one compact JSON line per value and `fsync`s.
    func appendLines(_ lines: [JSONValue]) throws(Errno) {
        guard !lines.isEmpty else { return }
        let created = !FileSystem.exists(path)
        var bytes: [UInt8] = []
        for line in lines {
            bytes += line.serialized()
            bytes.append(0x0A)
        }
        let fd = try FileDescriptor.open(path, O_RDWR | O_CREAT | O_APPEND, mode: 0o644)
        try fd.closeAfter { fd throws(Errno) in
            // A line torn by a crash stays on its own line, so it spoils nothing after it.
            let size = try fd.status().st_size
            if size > 0 {
                var last: UInt8 = 0
                if pread(fd.rawValue, &last, 1, off_t(size - 1)) == 1 && last != 0x0A { bytes.insert(0x0A, at: 0) }
            }
            try fd.writeAll(bytes)
            try fd.sync()
        }
        if created { try FileSystem.syncDirectory(Path.parent(path)) }
    }

    /// Deletes the journal.
    public func remove() {
        try? FileSystem.remove(path)
    }
}
