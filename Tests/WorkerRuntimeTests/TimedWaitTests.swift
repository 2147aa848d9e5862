import Foundation
import Synchronization
import Testing
@testable import WorkerRuntime

@Suite("timed waits", .timeLimit(.minutes(1)))
struct TimedWaitTests {
    @Test("a wait whose timeout fires before it is parked still ends")
    func timeoutBeforePark() async throws {
        // The waiter is held up between starting its timer and parking (a preempted thread on a
        // busy machine): the timer finds nothing to wake.
        let parked = Parked()
        let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                await TimedWait.run(
                    timeout: .milliseconds(1),
                    park: { id, continuation in
                        usleep(50_000)
                        parked.put(id, continuation)
                        return true
                    },
                    unpark: { id in parked.take(id) })
                return true
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return false
            }
            let first = try await group.next()!
            group.cancelAll()
            // A stranded wait is let go here, so that the group can finish and the test report it.
            if !first { parked.takeAll().forEach { $0.resume() } }
            return first
        }
        #expect(finished, "the wait never ended: its timeout fired before it was parked and was lost")
    }

    @Test("a stop or a ring ends a long wait at once")
    func wakeUps() async {
        let stop = StopSignal()
        let wake = WakeSignal()
        let started = ContinuousClock.now
        async let slept: Void = stop.sleep(for: .seconds(30))
        async let waited: Void = wake.wait(timeout: .seconds(30))
        try? await Task.sleep(for: .milliseconds(100))
        stop.stop()
        wake.ring()
        _ = await (slept, waited)
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}

private final class Parked: Sendable {
    private let waiting = Mutex<[UUID: CheckedContinuation<Void, Never>]>([:])
    func put(_ id: UUID, _ continuation: CheckedContinuation<Void, Never>) { waiting.withLock { $0[id] = continuation } }
    func take(_ id: UUID) -> CheckedContinuation<Void, Never>? { waiting.withLock { $0.removeValue(forKey: id) } }
    func takeAll() -> [CheckedContinuation<Void, Never>] { waiting.withLock { w in defer { w.removeAll() }; return Array(w.values) } }
}
