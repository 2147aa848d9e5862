import Contracts
import Foundation
import Logging
import PostgresClient
import RedisClient

/// Publishes the service's committed outbox rows to their streams, oldest first, and marks
/// them published.
///
/// Rows are locked with `FOR UPDATE SKIP LOCKED` while they are sent, so several copies of the
/// worker never publish the same row. A crash after `XADD` and before the commit publishes the
/// row again later: consumers de-duplicate by the envelope's id. The relay wakes on this
/// process's commits at once, on other processes' through `NOTIFY`, and polls as a fallback.
struct OutboxRelay: Sendable {
    static let channel = "messaging_outbox"
    static let batchLimit: Int32 = 500

    let service: String
    let configuration: WorkerConfiguration
    let database: PostgresClient
    let redis: RedisClient
    let wake: WakeSignal
    let metrics: WorkerMetrics
    let logger: Logger

    func run(until stop: StopSignal) async {
        let listener = await listen()
        defer { if let listener { Task { await listener.stop() } } }
        var lastPrune = ContinuousClock.now - .seconds(3600)
        var failures = 0
        while true {
            let stopping = stop.isStopped
            do {
                while try await publishBatch() == Int(Self.batchLimit) {}
                failures = 0
            } catch {
                failures += 1
                logger.warning("publishing the outbox failed; it will be tried again", metadata: ["error": "\(error)"])
                if stopping && failures > 3 { return }
            }
            if stopping && failures == 0 { return }  // the last flush after the consumers stopped
            if ContinuousClock.now - lastPrune > .seconds(60) {
                lastPrune = ContinuousClock.now
                await prune()
            }
            if failures > 0 {
                await stop.sleep(for: .milliseconds(min(100 * (1 << min(failures, 5)), 3000)))
            } else if !stop.isStopped {
                await wake.wait(timeout: configuration.outboxPollInterval)
            }
        }
    }

    /// Publishes up to `batchLimit` rows in one transaction and one Redis round trip.
    func publishBatch() async throws -> Int {
        try await database.withTransaction { transaction in
            let rows = try await transaction.query("""
                SELECT id, message_id, stream, type, data, correlation_id, occurred_at
                FROM messaging.outbox
                WHERE service = \(service) AND published_at IS NULL
                ORDER BY id
                LIMIT \(Self.batchLimit)
                FOR UPDATE SKIP LOCKED
                """)
            guard !rows.isEmpty else { return 0 }
            var ids: [Int64] = []
            var commands: [RedisCommand] = []
            for row in rows {
                let (id, messageID, stream, type, data, correlationID, occurredAt) =
                    try row.decode((Int64, UUID, String, String, String, String?, Date).self)
                let envelope = Envelope(id: messageID, type: type, data: data, occurredAt: occurredAt, correlationID: correlationID)
                var command = RedisCommand("XADD", stream, "*")
                for (name, value) in envelope.fields { command.append(contentsOf: [name, value]) }
                commands.append(command)
                ids.append(id)
            }
            for case .failure(let error) in try await redis.pipeline(commands) { throw error }
            // Planned anew for the same reason as the inbox check (see BatchProcessor).
            for case .failure(let error) in try await transaction.pipeline([
                BatchProcessor.customPlans,
                "UPDATE messaging.outbox SET published_at = now() WHERE id = ANY(\(ids))",
            ]) { throw error }
            metrics.published(ids.count)
            return ids.count
        }
    }

    private func listen() async -> PostgresListener? {
        do {
            let listener = try await database.listen(to: [Self.channel])
            let wake = self.wake
            let service = self.service
            Task {
                for await notification in listener.notifications where notification.payload == service {
                    wake.ring()
                }
            }
            return listener
        } catch {
            logger.warning("cannot LISTEN for outbox commits; polling only", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Drops published outbox rows and inbox rows older than the retention: by then no
    /// redelivery of their messages can still arrive.
    private func prune() async {
        let seconds = Double(configuration.retention.components.seconds)
        do {
            try await database.query("DELETE FROM messaging.outbox WHERE service = \(service) AND published_at < now() - make_interval(secs => \(seconds))")
            try await database.query("DELETE FROM messaging.inbox WHERE consumer_group = \(service) AND processed_at < now() - make_interval(secs => \(seconds))")
        } catch {
            logger.warning("pruning old outbox and inbox rows failed", metadata: ["error": "\(error)"])
        }
    }
}
