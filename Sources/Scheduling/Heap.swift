/// A binary min-heap: the smallest element first.
///
/// `insert` and `popMin` are O(log n), `min` is O(1), building from a sequence is O(n).
public struct Heap<Element: Comparable>: Sendable where Element: Sendable {
    private var storage: [Element] = []

    /// An empty heap.
    public init() {}

    /// A heap of `elements`, built in O(n).
    public init<S: Sequence>(_ elements: S) where S.Element == Element {
        storage = Array(elements)
        var index = storage.count / 2
        while index > 0 {
            index -= 1
            siftDown(from: index)
        }
    }

    /// The number of elements.
    public var count: Int { storage.count }

    /// Whether the heap is empty.
    public var isEmpty: Bool { storage.isEmpty }

    /// The smallest element, or `nil` when empty. O(1).
    public var min: Element? { storage.first }

    /// Adds `element`. O(log n).
    public mutating func insert(_ element: Element) {
        storage.append(element)
        siftUp(from: storage.count - 1)
    }

    /// Removes and returns the smallest element, or `nil` when empty. O(log n).
    @discardableResult
    public mutating func popMin() -> Element? {
        guard !storage.isEmpty else { return nil }
        storage.swapAt(0, storage.count - 1)
        let smallest = storage.removeLast()
        if !storage.isEmpty { siftDown(from: 0) }
        return smallest
    }

    /// Removes every element for which `shouldRemove` is true, then restores the heap. O(n).
    public mutating func removeAll(where shouldRemove: (Element) -> Bool) {
        storage.removeAll(where: shouldRemove)
        self = Heap(storage)
    }

    private mutating func siftUp(from start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard storage[child] < storage[parent] else { return }
            storage.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        let count = storage.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { return }
            let right = left + 1
            var smallest = left
            if right < count && storage[right] < storage[left] { smallest = right }
            guard storage[smallest] < storage[parent] else { return }
            storage.swapAt(smallest, parent)
            parent = smallest
        }
    }
}
