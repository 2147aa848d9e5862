import Contracts
import ExpirationService
import FleetTestSupport
import Foundation
import RedisClient
import Testing

@Suite("the schedule's move script", .timeLimit(.minutes(2)))
struct ScheduleScriptTests {
    @Test("two schedulers stepping at once publish each due order exactly once")
    func concurrentStepsMoveEachEntryOnce() async throws {
        let harness = try await ServiceHarness.make()
        let schedule = ExpirationSchedule(keys: harness.keys, redis: harness.redis)
        let past = Date().addingTimeInterval(-5)
        let orders = (0..<300).map { _ in RecordID.make() }
        for order in orders { try await schedule.add(order: order, due: past) }
        let notDue = try await schedule.add(order: RecordID.make(), due: Date().addingTimeInterval(3_600))

        let moved = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    var total = 0
                    while true {
                        let step = try await schedule.moveDue(limit: 7)
                        total += step.moved
                        if step.moved == 0 { return total }
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(moved == 300)
        let entries = try await harness.redis.xrange(harness.keys.events(.expirationComplete))
        let ids = entries.compactMap { $0[EnvelopeField.id] }
        #expect(ids.count == 300)
        #expect(Set(ids) == Set(orders))
        #expect(try await harness.redis.zcard(harness.keys.expirations) == 1)

        let step = try await schedule.moveDue(limit: 7)
        #expect(step.moved == 0)
        #expect(step.nextDueMilliseconds == notDue)
        await harness.close()
    }
}
