import Foundation
import Synchronization

/// Lets the scheduler sleep until its next due time, yet wake early when this worker schedules
/// an entry due sooner than that (or when the worker stops).
///
/// An entry scheduled while the scheduler is awake (running its script) is remembered, and the
/// next sleep returns at once if that entry is due before the sleep's deadline: the script may
/// have looked at the schedule just before the entry arrived.
final class SchedulerAlarm: Sendable {
    private struct Sleeper {
        let id: UUID
        /// Wake for entries due before this, in milliseconds since 1970.
        let deadline: Double
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var sleeper: Sleeper?
        /// The earliest entry scheduled since the last sleep began.
        var earliestUnseen = Double.infinity
    }

    private let state = Mutex(State())

    /// An entry was scheduled, due at `due` (milliseconds since 1970).
    func scheduled(due: Double) {
        let woken = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let sleeper = state.sleeper else {
                state.earliestUnseen = min(state.earliestUnseen, due)
                return nil
            }
            guard due < sleeper.deadline else { return nil }
            state.sleeper = nil
            return sleeper.continuation
        }
        woken?.resume()
    }

    /// Wakes the scheduler now, or makes its next sleep return at once.
    func ring() {
        scheduled(due: -.infinity)
    }

    /// Sleeps for `duration`, whose end is `deadline` on the schedule's clock, or less if woken.
    func sleep(for duration: Duration, deadline: Double) async {
        let id = UUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(for: duration)
            self?.expire(id)
        }
        await withCheckedContinuation { continuation in
            let wakeNow = state.withLock { state -> Bool in
                defer { state.earliestUnseen = .infinity }
                if state.earliestUnseen < deadline { return true }
                state.sleeper = Sleeper(id: id, deadline: deadline, continuation: continuation)
                return false
            }
            if wakeNow { continuation.resume() }
        }
        timer.cancel()
    }

    private func expire(_ id: UUID) {
        let expired = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let sleeper = state.sleeper, sleeper.id == id else { return nil }
            state.sleeper = nil
            return sleeper.continuation
        }
        expired?.resume()
    }
}
