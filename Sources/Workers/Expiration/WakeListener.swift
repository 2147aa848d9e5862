import Foundation
import RedisClient
import WorkerRuntime

/// Rings the alarm for every entry that became the schedule's earliest, whoever scheduled it:
/// a blocked `XREAD` of the wake stream on a connection of its own.
struct WakeListener: Sendable {
    let alarm: SchedulerAlarm

    func run(_ resources: WorkerResources, until stop: StopSignal) async {
        let stream = resources.keys.expirationsWake
        var connection: RedisConnection?
        // From the stream's start: at most a few stale wakes, each costing one look.
        var lastID = "0-0"
        var failures = 0
        while !stop.isStopped {
            do {
                if connection == nil { connection = try await resources.redis.dedicatedConnection() }
                let read = try await connection!.xread(streams: [(stream, lastID)], count: 100, block: resources.configuration.block)
                for entry in read.flatMap(\.entries) {
                    lastID = entry.id
                    alarm.scheduled(due: entry[ScheduleScript.dueField].flatMap(Double.init) ?? -.infinity)
                }
                failures = 0
            } catch {
                failures += 1
                resources.logger.warning("reading schedule wake-ups failed", metadata: ["error": "\(error)", "attempt": "\(failures)"])
                await connection?.close()
                connection = nil
                // Meanwhile the scheduler still looks at least every maxSleep.
                await stop.sleep(for: SchedulerLoop.retry.ceiling(attempt: failures))
            }
        }
        await connection?.close()
    }
}
