import Synchronization

/// A yes-or-no any thread may set and read: tests use it to see whether a job has run yet.
public final class Flag: Sendable {
    private let value = Atomic(false)

    public init() {}

    public func set() { value.store(true, ordering: .sequentiallyConsistent) }
    public var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}
