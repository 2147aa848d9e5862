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
        let id = UUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(for: duration)
            self?.wake(id)
        }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.stopped { return true }
                state.sleepers[id] = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.cancel()
    }

    private func wake(_ id: UUID) {
        state.withLock { $0.sleepers.removeValue(forKey: id) }?.resume()
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
        let id = UUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.expire(id)
        }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.rung {
                    state.rung = false
                    return true
                }
                state.waiter = (id, continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.cancel()
    }

    private func expire(_ id: UUID) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }
}
