@testable import ExpirationService
import Synchronization
import Testing

@Suite("the scheduler's alarm", .timeLimit(.minutes(2)))
struct SchedulerAlarmTests {
    @Test("a timer that fires the instant it is armed still ends the sleep")
    func timerFiringAtOnce() async {
        // The worst interleaving, forced: the timer fires before `sleep` could suspend.
        let alarm = SchedulerAlarm(timer: { _, fire in
            fire()
            return Task {}
        })
        let returned = await returnsWithin(.seconds(5), alarm: alarm) {
            for _ in 0..<100 { await alarm.sleep(for: .seconds(3600), deadline: .infinity) }
        }
        #expect(returned, "a sleep outlived its own timer")
    }

    @Test("thousands of zero-length sleeps all return, with the real timer")
    func zeroLengthSleeps() async {
        let alarm = SchedulerAlarm()
        let returned = await returnsWithin(.seconds(60), alarm: alarm) {
            for _ in 0..<20_000 { await alarm.sleep(for: .zero, deadline: 0) }
        }
        #expect(returned, "a zero-length sleep did not return")
    }

    @Test("an entry scheduled sooner than the deadline wakes the sleeper; a later one does not")
    func wakesOnlyForSoonerEntries() async {
        let alarm = SchedulerAlarm()
        let woke = Flag()
        let sleeper = Task {
            await alarm.sleep(for: .seconds(3600), deadline: 1_000)
            woke.set()
        }
        alarm.scheduled(due: 2_000)  // after the deadline: no reason to wake
        try? await Task.sleep(for: .milliseconds(200))
        #expect(!woke.isSet)
        // Registered or not yet, the sleeper ends: a sooner entry either wakes it or is remembered.
        alarm.scheduled(due: 500)
        let returned = await returnsWithin(.seconds(5), alarm: alarm) { await sleeper.value }
        #expect(returned)
    }

    @Test("an entry scheduled while awake makes the next sleep return at once")
    func remembersEntriesWhileAwake() async {
        let alarm = SchedulerAlarm(timer: { _, _ in Task {} })  // a timer that never fires
        alarm.scheduled(due: 10)
        let returned = await returnsWithin(.seconds(5), alarm: alarm) {
            await alarm.sleep(for: .seconds(3600), deadline: 20)
        }
        #expect(returned)
    }

    /// Whether `work` finished within `limit`. If not, the alarm is rung until it does, so a
    /// failing test ends instead of hanging.
    private func returnsWithin(_ limit: Duration, alarm: SchedulerAlarm, _ work: @escaping @Sendable () async -> Void) async -> Bool {
        let done = Flag()
        let task = Task {
            await work()
            done.set()
        }
        let deadline = ContinuousClock.now + limit
        while !done.isSet, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        let returned = done.isSet
        while !done.isSet {
            alarm.ring()
            try? await Task.sleep(for: .milliseconds(1))
        }
        await task.value
        return returned
    }
}

/// A flag tasks can share.
final class Flag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}
