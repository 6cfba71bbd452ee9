import DeskKit

/// Work due at instants, taken in due order: the publisher's queue.
///
/// A heap ordered by (due instant, insertion order), so items due at the same instant come out in
/// the order they were scheduled. `schedule` and each item taken are O(log n); `nextDue` is O(1).
/// Not thread-safe: the publisher that owns it serialises access.
public struct TimerQueue<Key: Sendable>: Sendable {
    private struct Entry: Comparable, Sendable {
        var due: Timestamp
        var sequence: UInt64
        var key: Key

        static func < (a: Entry, b: Entry) -> Bool {
            a.due == b.due ? a.sequence < b.sequence : a.due < b.due
        }

        static func == (a: Entry, b: Entry) -> Bool {
            a.due == b.due && a.sequence == b.sequence
        }
    }

    private var heap = Heap<Entry>()
    private var nextSequence: UInt64 = 0

    /// An empty queue.
    public init() {}

    /// The number of scheduled entries.
    public var count: Int { heap.count }

    /// Whether nothing is scheduled.
    public var isEmpty: Bool { heap.isEmpty }

    /// The earliest due instant, or `nil` when empty. O(1).
    public var nextDue: Timestamp? { heap.min?.due }

    /// Schedules `key` for `due`. O(log n).
    public mutating func schedule(_ key: Key, at due: Timestamp) {
        heap.insert(Entry(due: due, sequence: nextSequence, key: key))
        nextSequence += 1
    }

    /// Removes and returns every entry due at or before `now`, earliest first. O(k log n) for k
    /// entries taken.
    public mutating func takeDue(now: Timestamp) -> [(key: Key, due: Timestamp)] {
        var due: [(key: Key, due: Timestamp)] = []
        while let first = heap.min, first.due <= now {
            heap.popMin()
            due.append((first.key, first.due))
        }
        return due
    }

    /// Removes and returns the earliest entry if it is due at or before `now`. O(log n).
    public mutating func popDue(now: Timestamp) -> (key: Key, due: Timestamp)? {
        guard let first = heap.min, first.due <= now else { return nil }
        heap.popMin()
        return (first.key, first.due)
    }

    /// Removes every entry whose key matches (a cancelled batch). O(n).
    public mutating func remove(where shouldRemove: (Key) -> Bool) {
        heap.removeAll { shouldRemove($0.key) }
    }
}
