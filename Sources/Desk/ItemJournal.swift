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
        var outcomes: [Int: ItemOutcome] = [:]
        for json in AppendLog(path: path).read().values {
            if let outcome = ItemOutcome(json: json) { outcomes[outcome.index] = outcome }
        }
        return outcomes
    }

    /// Appends `outcomes` and `fsync`s (`open(O_APPEND)`, `write(2)`, `fsync(2)`); the folder is
    /// `fsync`ed when the journal is created.
    public func append(_ outcomes: [ItemOutcome]) throws(Errno) {
        try appendLines(outcomes.map(\.json))
    }

    /// Appends one compact JSON line per value and `fsync`s (``AppendLog/append(_:)``).
    func appendLines(_ lines: [JSONValue]) throws(Errno) {
        var bytes: [UInt8] = []
        for line in lines {
            bytes += line.serialized()
            bytes.append(0x0A)
        }
        try AppendLog(path: path).append(bytes)
    }

    /// Deletes the journal.
    public func remove() {
        try? FileSystem.remove(path)
    }

    /// Moves the journal to `destination` (`rename(2)`), or deletes it when it cannot be moved.
    public func archive(to destination: String) {
        do throws(Errno) {
            try FileSystem.ensureDirectory(Path.parent(destination))
            try FileSystem.rename(path, to: destination)
        } catch {
            remove()
        }
    }
}
