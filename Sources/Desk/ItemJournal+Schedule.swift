import DeskKit

#if canImport(Glibc)
    import Glibc
#endif

extension ItemJournal {
    /// One line of a scheduled batch's journal.
    enum Record {
        /// An item reached a state: `generated` (with its content), `failed`, `published`.
        case outcome(ItemOutcome)
        /// The batch was cancelled at `at`; `cancelled` items became cancelled then.
        case cancel(at: Timestamp, cancelled: Int)
    }

    /// Calls `body` with each record, in the order they were appended; a torn or unreadable line
    /// is skipped. Lines are parsed one at a time, so memory is the file plus one line's tree.
    /// O(n) in the journal's size.
    func replay(_ body: (Record) -> Void) throws(Errno) {
        guard FileSystem.exists(path), let bytes = try FileSystem.readFile(path) else { return }
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                var end = start
                while end < buffer.count && buffer[end] != 0x0A { end += 1 }
                if end > start {
                    let line = Array(buffer[start..<end])
                    if let json = try? JSONValue.parse(line) {
                        if json["cancel"]?.boolValue == true,
                            let at = json["at"]?.stringValue.flatMap(Timestamp.init(iso8601:))
                        {
                            body(.cancel(at: at, cancelled: json["cancelled"]?.intValue ?? 0))
                        } else if let outcome = ItemOutcome(json: json) {
                            body(.outcome(outcome))
                        }
                    }
                }
                start = end + 1
            }
        }
    }

    /// Appends the cancellation record `{"cancel": true, "at", "cancelled"}` and `fsync`s.
    func appendCancel(at: Timestamp, cancelled: Int) throws(Errno) {
        try appendLines([["cancel": true, "at": .string(at.iso8601), "cancelled": .int(cancelled)]])
    }
}
