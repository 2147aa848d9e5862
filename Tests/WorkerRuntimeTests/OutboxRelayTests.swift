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

    private func drain(_ relay: OutboxRelay) async throws -> Int {
        var total = 0
        while true {
            let count = try await relay.publishBatch()
            if count == 0 { return total }
            total += count
        }
    }
}
