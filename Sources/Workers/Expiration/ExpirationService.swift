import Contracts
import Foundation
import WorkerRuntime

/// The expiration service: keeps each live order's expiry in a Redis sorted set (the orders
/// service adds them, see ``ExpirationScheduling``; cancelled ones are taken off here) and
/// announces expiration:complete when it comes due. Its handlers touch only Redis (no transaction, no
/// inbox), and any number of copies can run: the move from schedule to stream is atomic.
public enum ExpirationService {
    /// - Parameters:
    ///   - batchLimit: entries moved per script call.
    ///   - maxSleep: the longest the scheduler sleeps without looking: a safety net for entries
    ///     put on the schedule without its script (the wake stream covers the rest).
    public static func definition(
        configuration: WorkerConfiguration,
        batchLimit: Int = 100,
        maxSleep: Duration = .seconds(2)
    ) throws -> ServiceDefinition {
        guard batchLimit > 0, maxSleep > .zero else {
            throw ConfigurationError("the expiration scheduler needs a positive batch limit and sleep cap")
        }
        let keys = configuration.keys
        var service = ServiceDefinition(name: ServiceName.expiration.rawValue)
        let alarm = SchedulerAlarm()
        // The orders service schedules its orders itself (see ``ExpirationScheduling``): the
        // group this service once had on order:created would hold that stream's trimming back.
        service.retire(keys.events(OrderCreated.name))
        service.onRedisOnly(OrderCancelled.type, in: keys.events(OrderCancelled.name), ScheduleHandlers.orderCancelled)
        let scheduler = SchedulerLoop(limit: batchLimit, maxSleep: maxSleep, alarm: alarm)
        service.loop("expiration-scheduler") { resources, stop in
            await scheduler.run(resources, until: stop)
        }
        let listener = WakeListener(alarm: alarm)
        service.loop("expiration-wake-listener") { resources, stop in
            await listener.run(resources, until: stop)
        }
        return service
    }
}
