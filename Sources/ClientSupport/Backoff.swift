/// Exponential backoff with full jitter: attempt n waits a random time in
/// `0 ... min(cap, base * 2^n)`, so many clients retrying at once spread out instead of
/// hammering a restarted server together.
public struct Backoff: Sendable, Hashable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .milliseconds(50), cap: Duration = .seconds(2)) {
        precondition(base > .zero && cap >= base, "backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
    }

    /// The ceiling for attempt `attempt` (0-based), before jitter.
    public func ceiling(attempt: Int) -> Duration {
        let shift = min(max(attempt, 0), 30)
        let grown = base * (1 << shift)
        return grown > cap || grown < base ? cap : grown
    }

    /// A random delay for attempt `attempt` (0-based).
    public func delay<G: RandomNumberGenerator>(attempt: Int, using generator: inout G) -> Duration {
        let ceiling = ceiling(attempt: attempt)
        let nanos = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        return .nanoseconds(Int64.random(in: 0...max(nanos, 0), using: &generator))
    }

    public func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &generator)
    }
}
