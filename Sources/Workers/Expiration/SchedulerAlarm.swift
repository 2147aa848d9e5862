import Foundation
import Synchronization

/// Lets the scheduler sleep until its next due time, yet wake early when this worker schedules
/// an entry due sooner than that (or when the worker stops).
///
/// One sleeper at a time, and one way to wake it: ``wake(_:)`` under the lock, which the timer
/// and ``scheduled(due:)`` both go through. The timer is armed only after the sleeper is
/// registered, so it cannot fire into an empty slot and leave the sleep without an end.
///
/// An entry scheduled while the scheduler is awake (running its script) is remembered, and the
/// next sleep returns at once if that entry is due before the sleep's deadline: the script may
/// have looked at the schedule just before the entry arrived.
final class SchedulerAlarm: Sendable {
    /// Starts a timer that calls `fire` once `duration` has passed; the task is cancelled when
    /// the sleep ends another way. Tests pass one that fires at once.
    typealias Timer = @Sendable (_ duration: Duration, _ fire: @escaping @Sendable () -> Void) -> Task<Void, Never>

    private struct Sleeper {
        let generation: UInt64
        /// Wake for entries due before this, in milliseconds since 1970.
        let deadline: Double
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var sleeper: Sleeper?
        /// Counts sleeps, so a timer left over from an earlier one wakes nothing.
        var generation: UInt64 = 0
        /// The earliest entry scheduled since the last sleep began.
        var earliestUnseen = Double.infinity
    }

    private let state = Mutex(State())
    private let timer: Timer

    init(timer: @escaping Timer = SchedulerAlarm.taskTimer) {
        self.timer = timer
    }

    static let taskTimer: Timer = { duration, fire in
        Task {
            guard (try? await Task.sleep(for: duration)) != nil else { return }
            fire()
        }
    }

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
        var armed: Task<Void, Never>?
        await withCheckedContinuation { continuation in
            let generation = state.withLock { state -> UInt64? in
                defer { state.earliestUnseen = .infinity }
                if state.earliestUnseen < deadline { return nil }
                state.generation &+= 1
                state.sleeper = Sleeper(generation: state.generation, deadline: deadline, continuation: continuation)
                return state.generation
            }
            guard let generation else { return continuation.resume() }
            armed = timer(duration) { [weak self] in self?.wake(generation) }
        }
        armed?.cancel()
    }

    /// Ends sleep `generation` if it is still the one asleep.
    private func wake(_ generation: UInt64) {
        let woken = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let sleeper = state.sleeper, sleeper.generation == generation else { return nil }
            state.sleeper = nil
            return sleeper.continuation
        }
        woken?.resume()
    }
}
