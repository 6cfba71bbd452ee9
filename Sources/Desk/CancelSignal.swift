import Synchronization

/// Set once when a scheduled batch is cancelled: work on another thread (a ``Job`` whose items
/// are being generated) reads it before it publishes anything it generated.
final class CancelSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    /// A signal that is not set.
    init() {}

    /// Marks the batch cancelled.
    func trigger() { flag.store(true, ordering: .releasing) }

    /// Whether the batch was cancelled.
    var isTriggered: Bool { flag.load(ordering: .acquiring) }
}
