import Contracts
import Foundation
import PostgresClient
import RedisClient

/// The straightforward consumer, for comparison: one entry per `XREADGROUP`, one transaction
/// per message with each statement its own round trip (the same upsert, an inbox row, an
/// outbox row), then `XACK`. Every message pays a whole commit, fsync included.
/// Runs in this process, after a worker has created the messaging tables it writes to.
func runBaseline(count: Int, redis: RedisClient, database: PostgresClient, keys: KeySpace) async throws -> Double {
    let stream = Bench.input(keys)
    let output = Bench.output(keys)
    let group = "baseline"
    try await Producer(redis: redis, stream: stream).preload(count)
    let connection = try await redis.dedicatedConnection()
    _ = try await connection.xgroupCreate(stream, group: group, startID: "0", makeStream: true)

    let clock = ContinuousClock()
    let started = clock.now
    var handled = 0
    while handled < count {
        guard let entry = try await connection.xreadgroup(
            group: group, consumer: "baseline-1", stream: stream, count: 1, block: .milliseconds(500)).first
        else { continue }
        let envelope = try Envelope(fields: entry.fields.map { ($0.name, $0.value) })
        let event = Envelope(type: Bench.eventType, data: envelope.data, correlationID: envelope.id.uuidString.lowercased())
        try await database.withTransaction { transaction in
            try await transaction.query(Bench.upsert(envelope))
            try await transaction.query("""
                INSERT INTO messaging.inbox (consumer_group, message_id, stream, entry_id)
                VALUES (\(group), \(envelope.id), \(stream), \(entry.id))
                """)
            try await transaction.query("""
                INSERT INTO messaging.outbox (service, message_id, stream, type, data, correlation_id, occurred_at)
                VALUES (\(group), \(event.id), \(output), \(event.type), \(event.data), \(event.correlationID), \(event.occurredAt))
                """)
        }
        _ = try await connection.xack(stream, group: group, ids: [entry.id])
        handled += 1
    }
    let elapsed = (clock.now - started).seconds
    await connection.close()
    _ = try await redis.del([stream])
    return Double(count) / elapsed
}
