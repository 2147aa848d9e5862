import ClientSupport
import Foundation
import Logging
import RedisClient
import WorkerRuntime

/// Moves due expirations to their stream, then sleeps until the next one is due (capped at
/// `maxSleep`, for entries other workers scheduled), woken early by this worker's handlers.
/// Never a fixed busy poll: an idle schedule costs one script call per `maxSleep`.
struct SchedulerLoop: Sendable {
    /// Entries per script call; a full step runs again at once.
    let limit: Int
    let maxSleep: Duration
    let alarm: SchedulerAlarm
    /// After a failed Redis call: 200 ms doubling to 3 s (no jitter: one caller per process).
    static let retry = Backoff(base: .milliseconds(100), cap: .seconds(3))

    func run(_ resources: WorkerResources, until stop: StopSignal) async {
        let schedule = ExpirationSchedule(keys: resources.keys, redis: resources.redis)
        // StopSignal wakes only its own sleepers: this one passes the stop on to the alarm.
        let alarm = self.alarm
        let relay = Task {
            while !stop.isStopped { await stop.sleep(for: .seconds(86_400)) }
            alarm.ring()
        }
        defer { relay.cancel() }
        var failures = 0
        while !stop.isStopped {
            let step: ExpirationSchedule.Step
            do {
                step = try await schedule.moveDue(limit: limit)
                failures = 0
            } catch {
                failures += 1
                resources.logger.warning("moving due expirations failed", metadata: ["error": "\(error)", "attempt": "\(failures)"])
                await stop.sleep(for: Self.retry.ceiling(attempt: failures))
                continue
            }
            if step.moved > 0 {
                resources.logger.debug("published due expirations", metadata: ["count": "\(step.moved)"])
            }
            if step.moved == limit { continue }  // more may be due already
            let cap = maxSleep.redisMilliseconds
            let wait = step.nextDueMilliseconds.map { min(max($0 - step.nowMilliseconds, 0), cap) } ?? cap
            await alarm.sleep(for: .milliseconds(wait), deadline: Double(step.nowMilliseconds + wait))
        }
    }
}
