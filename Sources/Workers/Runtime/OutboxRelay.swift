import Contracts
import Foundation
import Logging
import PostgresClient
import RedisClient

/// The outbox's safety net. A worker publishes its batch's events itself, in the Redis round
/// trip that settles the batch; the relay publishes the rows that were not, because the worker
/// died or Redis failed between the commit and that round trip. It takes rows left unpublished
/// for longer than `outboxStaleAfter`, oldest first, and on shutdown every row left. It also
/// deletes the published rows that no batch took out (see ``PublishedMarks``).
///
/// Rows are locked with `FOR UPDATE SKIP LOCKED` while they are sent, so several copies of the
/// worker never publish the same row at once. Publishing a row twice (a crash after `XADD` and
/// before its delete, or a settle slower than the stale age) is harmless: consumers drop
/// duplicates by the envelope's id, and publication effects are idempotent. A row's effects go
/// out with it here too, so an effect is lost only if its event is.
struct OutboxRelay: Sendable {
    static let batchLimit: Int32 = 500

    let service: String
    let configuration: WorkerConfiguration
    let database: PostgresClient
    let redis: RedisClient
    let wake: WakeSignal
    let marks: PublishedMarks
    let publicationEffects: PublicationEffects
    let metrics: WorkerMetrics
    let logger: Logger

    func run(until stop: StopSignal) async {
        var lastPrune = ContinuousClock.now - .seconds(3600)
        var failures = 0
        while true {
            let stopping = stop.isStopped
            do {
                try await deletePublished()
                // The last flush takes every row: the consumers have stopped, nothing else will.
                let staleAfter = stopping ? Duration.zero : configuration.outboxStaleAfter
                while try await publishBatch(staleAfter: staleAfter) == Int(Self.batchLimit) {}
                try await deletePublished()
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

    /// Deletes the rows published since the last batch, in a transaction of their own that need
    /// not wait for its fsync: a delete that is lost only lets a row be published again.
    func deletePublished() async throws {
        let published = marks.take()
        guard !published.isEmpty else { return }
        do {
            for case .failure(let error) in try await database.pipeline([
                "BEGIN", "SET LOCAL synchronous_commit = off", BatchProcessor.customPlans, PublishedMarks.delete(published), "COMMIT",
            ]) { throw error }
        } catch {
            marks.add(published)
            throw error
        }
    }

    /// Publishes up to `batchLimit` rows left unpublished for `staleAfter`, in one transaction
    /// and one Redis round trip.
    func publishBatch(staleAfter: Duration) async throws -> Int {
        let seconds = Double(staleAfter.components.seconds) + Double(staleAfter.components.attoseconds) / 1e18
        return try await database.withTransaction { transaction in
            let rows = try await transaction.query("""
                SELECT id, message_id, stream, type, data, correlation_id, occurred_at
                FROM messaging.outbox
                WHERE service = \(service) AND created_at <= now() - make_interval(secs => \(seconds))
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
                commands += publicationEffects.commands(for: envelope)
                ids.append(id)
            }
            for case .failure(let error) in try await redis.pipeline(commands) { throw error }
            // Planned anew for the same reason as the inbox check (see BatchProcessor).
            for case .failure(let error) in try await transaction.pipeline([
                BatchProcessor.customPlans,
                "DELETE FROM messaging.outbox WHERE id = ANY(\(ids))",
            ]) { throw error }
            metrics.published(ids.count)
            return ids.count
        }
    }

    /// Drops inbox rows older than the retention: by then no redelivery of their messages can
    /// still arrive. (Published outbox rows are deleted as they are published.)
    private func prune() async {
        let seconds = Double(configuration.retention.components.seconds)
        do {
            try await database.query("DELETE FROM messaging.inbox WHERE consumer_group = \(service) AND processed_at < now() - make_interval(secs => \(seconds))")
        } catch {
            logger.warning("pruning old inbox rows failed", metadata: ["error": "\(error)"])
        }
    }
}
