import Contracts
import Foundation
import Logging
import RedisClient
import Testing
@testable import WorkerRuntime

/// Handlers whose only effects are Redis commands: no transaction, the batch's commands in one
/// round trip before the acknowledgements.
@Suite("Redis-only handlers", .timeLimit(.minutes(2)))
struct RedisEffectsTests {
    /// Adds each message's key to a sorted set; a poison message throws; a key named `clash`
    /// is added to a key holding a string, which Redis refuses.
    private func service(_ harness: Harness) -> ServiceDefinition {
        var service = ServiceDefinition(name: "counter")
        let set = harness.keys.custom("effects")
        let clash = harness.keys.custom("a-string")
        service.onRedisOnly("thing", in: harness.stream) { message, _ in
            let body = try JSONDecoder().decode(ThingBody.self, from: Data(message.envelope.data.utf8))
            if body.poison == true { throw PoisonError(key: body.key) }
            return [RedisCommand("ZADD", body.key == "clash" ? clash : set, 1, body.key)]
        }
        return service
    }

    private func worker(_ harness: Harness, _ consumer: String, maxDeliveries: Int = 10, hooks: Worker.Hooks = .init()) -> Worker {
        var logger = Logger(label: "test-worker")
        logger.logLevel = .critical
        return Worker(configuration: harness.configuration(consumer: consumer, ackWait: .milliseconds(500), maxDeliveries: maxDeliveries),
                      service: service(harness), logger: logger, hooks: hooks)
    }

    @Test("a crash after the effects and before the acknowledgements: redelivered, run again, the same effects")
    func crashAfterEffects() async throws {
        let harness = try await Harness.make()
        for i in 0..<20 { try await harness.publish("k\(i)") }
        let crashing = worker(harness, "a", hooks: .init(afterCommit: { _ in throw Crash() }))
        await #expect(throws: Crash.self) { try await crashing.run() }
        let set = harness.keys.custom("effects")
        #expect(try await harness.redis.zcard(set) == 20)
        #expect(try await harness.pendingCount() == 20)

        let survivor = worker(harness, "b")
        let running = Task { try await survivor.run() }
        #expect(try await harness.eventually { try await harness.drained() })
        #expect(try await harness.redis.zcard(set) == 20)
        survivor.stop()
        try await running.value
        await harness.close()
    }

    @Test("a handler that throws and a command Redis refuses each fail their own message only: retried, then dead-lettered; the rest acknowledged")
    func failuresStayTheirOwn() async throws {
        let harness = try await Harness.make()
        try await harness.redis.set(harness.keys.custom("a-string"), "not a sorted set")
        try await harness.publish("k1")
        try await harness.publish("bad", poison: true)
        try await harness.publish("clash")
        try await harness.publish("k2")
        let running = worker(harness, "a", maxDeliveries: 3)
        let task = Task { try await running.run() }
        let dead = harness.keys.dead(harness.stream)
        #expect(try await harness.eventually { try await harness.redis.xlen(dead) == 2 })
        #expect(try await harness.eventually { try await harness.drained() })
        let set = harness.keys.custom("effects")
        #expect(try await harness.redis.zrangeByScore(set, min: .negativeInfinity, max: .positiveInfinity) == ["k1", "k2"])
        let errors = try await harness.redis.xrange(dead).compactMap { $0[DeadLetterField.error] }
        #expect(errors.contains { $0.contains("poison message bad") })
        #expect(errors.contains { $0.contains("WRONGTYPE") })
        running.stop()
        try await task.value
        await harness.close()
    }
}
