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
            harness.relay()
        }
        async let first = drain(relays[0])
        async let second = drain(relays[1])
        let (a, b) = try await (first, second)
        #expect(a + b == 2000)
        let published = try await harness.redis.xrange(target).compactMap { $0["id"] }
        #expect(published.count == 2000)
        #expect(Set(published) == Set(ids.map { $0.uuidString.lowercased() }))
        let left = try await harness.database.query("SELECT count(*)::int8 FROM messaging.outbox").decodeColumn(Int64.self)
        #expect(left == [0])
        await harness.close()
    }

    @Test("a worker publishes its batch's events itself right after the commit, with the relay's poll far beyond the test")
    func publishesAfterCommit() async throws {
        let harness = try await Harness.make()
        var configuration = harness.configuration(consumer: "a")
        configuration.outboxPollInterval = .seconds(600)  // far beyond the test: the relay cannot help
        let worker = Worker(configuration: configuration, service: harness.countingService(), logger: Logger(label: "test"))
        let running = Task { try await worker.run() }
        let counted = harness.keys.custom("events:counted")
        try await harness.publish("first")
        #expect(try await harness.eventually(timeout: .seconds(15)) { try await harness.redis.xlen(counted) == 1 })
        // The next batch's transaction carries the first one's mark. (The relay's pass at start-up
        // may take a mark too when it comes late, as on a busy machine, where the consumer loops,
        // on threads of their own, can get ahead of it; then it deletes the row.)
        try await harness.publish("second")
        #expect(try await harness.eventually(timeout: .seconds(15)) { try await harness.redis.xlen(counted) == 2 })
        #expect(try await harness.eventually(timeout: .seconds(15)) {
            try await harness.database.query("SELECT count(*)::int8 FROM messaging.outbox WHERE data LIKE '%first%'")
                .decodeColumn(Int64.self) == [0]
        })
        #expect(try await unpublished(harness) <= 1)
        worker.stop()
        try await running.value
        // The last batch's mark is written on the way out.
        #expect(try await unpublished(harness) == 0)
        #expect(try await harness.redis.xlen(counted) == 2)
        await harness.close()
    }

    @Test("rows a worker published are marked, so its relay does not publish them again once they are stale")
    func markedRowsStayPublishedOnce() async throws {
        let harness = try await Harness.make()
        var configuration = harness.configuration(consumer: "a")
        configuration.outboxPollInterval = .milliseconds(50)
        configuration.outboxStaleAfter = .seconds(2)
        let worker = Worker(configuration: configuration, service: harness.countingService(), logger: Logger(label: "test"))
        let running = Task { try await worker.run() }
        let counted = harness.keys.custom("events:counted")
        for i in 0..<50 { try await harness.publish("k\(i)") }
        #expect(try await harness.eventually(timeout: .seconds(15)) { try await harness.redis.xlen(counted) == 50 })
        #expect(try await harness.eventually(timeout: .seconds(15)) { try await unpublished(harness) == 0 })
        // Many polls and a stale age later: still one entry per event.
        try await Task.sleep(for: .seconds(3))
        #expect(try await harness.redis.xlen(counted) == 50)
        worker.stop()
        try await running.value
        await harness.close()
    }

    @Test("the relay leaves a fresh row to the worker that committed it and publishes it once it is stale")
    func relayWaitsForStaleRows() async throws {
        let harness = try await Harness.make()
        var service = ServiceDefinition(name: "counter")
        service.on("noop", in: harness.stream) { _, _ in }
        try await MessagingSchema.migrate(harness.database, service: service)
        let target = harness.keys.custom("events:relayed")
        try await harness.database.query("""
            INSERT INTO messaging.outbox (service, message_id, stream, type, data, occurred_at)
            VALUES ('counter', \(UUID()), \(target), 'relayed', '{}', now())
            """)
        let relay = harness.relay()
        #expect(try await relay.publishBatch(staleAfter: .seconds(60)) == 0)
        #expect(try await harness.redis.xlen(target) == 0)
        #expect(try await relay.publishBatch(staleAfter: .zero) == 1)
        #expect(try await harness.redis.xlen(target) == 1)
        await harness.close()
    }

    @Test("an event whose publication effect fails stays in the outbox, published again until the effect goes through once")
    func failedEffectKeepsEventInOutbox() async throws {
        let harness = try await Harness.make()
        // The effect's SADD meets a string: WRONGTYPE, every time, until the key is fixed.
        try await harness.redis.send("SET", harness.countedKeys, "not a set")
        let worker = harness.worker("a")
        let running = Task { try await worker.run() }
        let counted = harness.keys.custom("events:counted")
        for i in 0..<5 { try await harness.publish("k\(i)") }
        // Handled and acknowledged: the entries do not wait for their events.
        #expect(try await harness.eventually { try await harness.effects().count == 5 })
        #expect(try await harness.eventually { try await harness.drained() })
        // The worker's own publication and then the relay's, over and over: the XADDs land, the
        // effects fail, so every row stays in the outbox.
        #expect(try await harness.eventually { try await harness.redis.xlen(counted) >= 15 })
        #expect(try await unpublished(harness) == 5)
        #expect(try await harness.redis.getString(harness.countedKeys) == "not a set")

        try await harness.redis.del(harness.countedKeys)
        #expect(try await harness.eventually { try await unpublished(harness) == 0 })
        #expect(try await harness.countedKeysPublished() == Set((0..<5).map { "k\($0)" }))
        // Published several times, but five events: consumers drop the copies by id.
        let ids = try await harness.redis.xrange(counted).compactMap { $0[EnvelopeField.id] }
        #expect(Set(ids).count == 5)
        #expect(try await harness.effects() == Dictionary(uniqueKeysWithValues: (0..<5).map { ("k\($0)", 1) }))
        worker.stop()
        try await running.value
        await harness.close()
    }

    private func unpublished(_ harness: Harness) async throws -> Int64 {
        try await harness.database.query("SELECT count(*)::int8 FROM messaging.outbox").decodeColumn(Int64.self)[0]
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
        let relay = harness.relay(configuration)
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
        let relay = harness.relay()
        #expect(try await drain(relay) == ids.count)
        let published = try await harness.redis.xrange(target).compactMap { $0["id"] }
        #expect(published == ids.map { $0.uuidString.lowercased() })
        await harness.close()
    }

    private func drain(_ relay: OutboxRelay) async throws -> Int {
        var total = 0
        while true {
            let count = try await relay.publishBatch(staleAfter: .zero)
            if count == 0 { return total }
            total += count
        }
    }
}
