import Synchronization

/// Set once when the desk is asked to stop; long work checks it between checkpoints.
public final class ShutdownSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    /// A signal that is not set.
    public init() {}

    /// Asks everything to stop.
    public func trigger() { flag.store(true, ordering: .releasing) }

    /// Whether a stop was asked for.
    public var isTriggered: Bool { flag.load(ordering: .acquiring) }
}
