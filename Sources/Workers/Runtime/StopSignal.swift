import Foundation
import Synchronization

/// Tells the worker's loops to finish what they hold and return; also a wake-up for sleepers.
public final class StopSignal: Sendable {
    private let state = Mutex(State())

    private struct State {
        var stopped = false
        var sleepers: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    public init() {}

    public var isStopped: Bool { state.withLock { $0.stopped } }

    public func stop() {
        let sleepers = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.stopped = true
            defer { state.sleepers.removeAll() }
            return Array(state.sleepers.values)
        }
        for sleeper in sleepers { sleeper.resume() }
    }

    /// Sleeps for `duration`, or less if the worker is told to stop meanwhile.
    public func sleep(for duration: Duration) async {
        await TimedWait.run(
            timeout: duration,
            park: { id, continuation in
                state.withLock { state in
                    if state.stopped { return false }
                    state.sleepers[id] = continuation
                    return true
                }
            },
            unpark: { [weak self] id in self?.state.withLock { $0.sleepers.removeValue(forKey: id) } })
    }
}

/// A wake-up call that is remembered until someone waits for it: the relay's doorbell.
final class WakeSignal: Sendable {
    private let state = Mutex(State())

    private struct State {
        var rung = false
        var waiter: (id: UUID, continuation: CheckedContinuation<Void, Never>)?
    }

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    /// Returns when rung (now, if it was rung since the last wait) or after `timeout`.
    func wait(timeout: Duration) async {
        await TimedWait.run(
            timeout: timeout,
            park: { id, continuation in
                state.withLock { state in
                    if state.rung {
                        state.rung = false
                        return false
                    }
                    state.waiter = (id, continuation)
                    return true
                }
            },
            unpark: { [weak self] id in
                self?.state.withLock { state in
                    guard let waiter = state.waiter, waiter.id == id else { return nil }
                    state.waiter = nil
                    return waiter.continuation
                }
            })
    }
}

/// A suspension that ends when whoever holds its continuation resumes it, or at its timeout.
enum TimedWait {
    /// `park` keeps the continuation under the caller's lock and returns true, or returns
    /// false to go on at once; `unpark` takes it back at the timeout, unless a wake-up took it.
    static func run(
        timeout: Duration,
        park: (UUID, CheckedContinuation<Void, Never>) -> Bool,
        unpark: @escaping @Sendable (UUID) -> CheckedContinuation<Void, Never>?
    ) async {
        let id = UUID()
        let expired = Expiry()
        let timer = Task {
            try? await Task.sleep(for: timeout)
            // Marked before taking back: a wait parked after this finds the mark (below).
            expired.mark()
            unpark(id)?.resume()
        }
        await withCheckedContinuation { continuation in
            guard park(id, continuation) else { return continuation.resume() }
            // The timeout fired before the wait was parked (its thread was held up: a busy
            // machine, a short timeout) and found nothing to wake: take it back here. Only one
            // of the two `unpark`s gets the continuation.
            if expired.isMarked { unpark(id)?.resume() }
        }
        timer.cancel()
    }

    private final class Expiry: Sendable {
        private let marked = Atomic(false)
        func mark() { marked.store(true, ordering: .sequentiallyConsistent) }
        var isMarked: Bool { marked.load(ordering: .sequentiallyConsistent) }
    }
}
