import Contracts
import Foundation
import Logging
import PostgresClient
import RedisClient
import Testing
@testable import WorkerRuntime

@Suite("outbox relay", .timeLimit(.minutes(2)))
struct OutboxRelayTests {
    @Test("with two relays running, each outbox row is published exactly once")
    func twoRelaysPublishOnce() async throws {
        let harness = try await Harness.make()
        var service = ServiceDefinition(name: "counter")
        service.on("noop", in: harness.stream) { _, _ in }
        try await MessagingSchema.migrate(harness.database, service: service)
        let target = harness.keys.custom("events:relayed")
        let ids = (0..<2000).map { _ in UUID() }
        try await harness.database.query("""
            INSERT INTO messaging.outbox (service, message_id, stream, type, data, occurred_at)
            SELECT 'counter', m, \(target), 'relayed', '{}', now() FROM unnest(\(ids)) AS m
            """)
        let relays = (0..<2).map { _ in
            OutboxRelay(
                service: "counter", configuration: harness.configuration(consumer: "r"), database: harness.database,
                redis: harness.redis, wake: WakeSignal(), metrics: WorkerMetrics(service: "counter", streams: []),
                logger: Logger(label: "relay"))
        }
        async let first = drain(relays[0])
        async let second = drain(relays[1])
        let (a, b) = try await (first, second)
        #expect(a + b == 2000)
        let published = try await harness.redis.xrange(target).compactMap { $0["id"] }
        #expect(published.count == 2000)
        #expect(Set(published) == Set(ids.map { $0.uuidString.lowercased() }))
        let left = try await harness.database.query("SELECT count(*)::int8 FROM messaging.outbox WHERE published_at IS NULL").decodeColumn(Int64.self)
        #expect(left == [0])
        await harness.close()
    }

    @Test("the relay publishes at once after a local commit and on another process's NOTIFY, not on its poll")
    func wakesWithoutPolling() async throws {
        let harness = try await Harness.make()
        var configuration = harness.configuration(consumer: "a")
        configuration.outboxPollInterval = .seconds(600)  // far beyond the test: a poll cannot help
        let worker = Worker(configuration: configuration, service: harness.countingService(), logger: Logger(label: "test"))
        let running = Task { try await worker.run() }
        let counted = harness.keys.custom("events:counted")

        // This worker's own commit.
        try await harness.publish("local")
        #expect(try await harness.eventually(timeout: .seconds(15)) { try await harness.redis.xlen(counted) == 1 })

        // Another process's commit: a row and a NOTIFY in its transaction, as a worker writes them.
        try await Task.sleep(for: .milliseconds(200))  // the relay is waiting again
        let other = harness.keys.custom("events:elsewhere")
        try await harness.database.withTransaction { transaction in
            try await transaction.query("""
                INSERT INTO messaging.outbox (service, message_id, stream, type, data, occurred_at)
                VALUES ('counter', \(UUID()), \(other), 'elsewhere', '{}', now())
                """)
            try await transaction.query("SELECT pg_notify(\(OutboxRelay.channel), 'counter')")
        }
        #expect(try await harness.eventually(timeout: .seconds(15)) { try await harness.redis.xlen(other) == 1 })
        worker.stop()
        try await running.value
        await harness.close()
    }

    @Test("a relay told to stop still makes its last flush: what was committed before the stop goes out")
    func lastFlushOnStop() async throws {
        let harness = try await Harness.make()
        var service = ServiceDefinition(name: "counter")
        service.on("noop", in: harness.stream) { _, _ in }
        try await MessagingSchema.migrate(harness.database, service: service)
        let target = harness.keys.custom("events:relayed")
        try await harness.database.query("""
            INSERT INTO messaging.outbox (service, message_id, stream, type, data, occurred_at)
            SELECT 'counter', gen_random_uuid(), \(target), 'relayed', '{}', now() FROM generate_series(1, 700)
            """)
        var configuration = harness.configuration(consumer: "r")
        configuration.outboxPollInterval = .seconds(600)
        let relay = OutboxRelay(
            service: "counter", configuration: configuration, database: harness.database,
            redis: harness.redis, wake: WakeSignal(), metrics: WorkerMetrics(service: "counter", streams: []),
            logger: Logger(label: "relay"))
        // Stopped before it starts, as the worker stops it once the consumers are done.
        let stop = StopSignal()
        stop.stop()
        await relay.run(until: stop)
        #expect(try await harness.redis.xlen(target) == 700)
        await harness.close()
    }

    @Test("a relay publishes rows in the order they were committed")
    func publishesInOrder() async throws {
        let harness = try await Harness.make()
        var service = ServiceDefinition(name: "counter")
        service.on("noop", in: harness.stream) { _, _ in }
        try await MessagingSchema.migrate(harness.database, service: service)
        let target = harness.keys.custom("events:relayed")
        let ids = (0..<1_200).map { _ in UUID() }
        // In several commits, more rows than one batch of the relay.
        for chunk in stride(from: 0, to: ids.count, by: 300) {
            try await harness.database.query("""
                INSERT INTO messaging.outbox (service, message_id, stream, type, data, occurred_at)
                SELECT 'counter', m, \(target), 'relayed', '{}', now() FROM unnest(\(Array(ids[chunk..<chunk + 300]))) WITH ORDINALITY AS r(m, n) ORDER BY n
                """)
        }
        let relay = OutboxRelay(
            service: "counter", configuration: harness.configuration(consumer: "r"), database: harness.database,
            redis: harness.redis, wake: WakeSignal(), metrics: WorkerMetrics(service: "counter", streams: []),
            logger: Logger(label: "relay"))
        #expect(try await drain(relay) == ids.count)
        let published = try await harness.redis.xrange(target).compactMap { $0["id"] }
        #expect(published == ids.map { $0.uuidString.lowercased() })
        await harness.close()
    }

    private func drain(_ relay: OutboxRelay) async throws -> Int {
        var total = 0
        while true {
            let count = try await relay.publishBatch()
            if count == 0 { return total }
            total += count
        }
    }
}
