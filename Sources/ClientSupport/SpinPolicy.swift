/// Whether a thread that ran out of jobs should spin for the next one before it sleeps.
///
/// A spin pays when the next job comes within it: the futex wake-up it saves costs more than
/// the spin on a small VM. When jobs come further apart (a connection's thread at a steady
/// moderate load, where the next command is milliseconds away) every spin runs to its end for
/// nothing, and its `sched_yield`s switch threads on cores that other work needs. So the thread
/// keeps a running share of its recent idle periods that a spin would have caught, and spins
/// only while that share is at least one half. A thread that sleeps still measures its waits,
/// so it takes up spinning again as soon as jobs come close together.
public struct SpinPolicy: Sendable {
    /// The longest spin, in nanoseconds; 0 never spins.
    public let limit: UInt64
    /// Out of 256: the share of recent idle periods no longer than `limit` (each new one weighs
    /// an eighth).
    public private(set) var caught = 256

    public init(limit: UInt64) {
        self.limit = limit
    }

    public var shouldSpin: Bool { limit > 0 && caught >= 128 }

    /// Notes how long the thread waited for its next job, spinning or asleep.
    public mutating func record(wait nanoseconds: UInt64) {
        caught += ((nanoseconds <= limit ? 256 : 0) - caught) / 8
    }
}
