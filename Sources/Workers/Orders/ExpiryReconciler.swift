import Contracts
import Foundation
import Logging
import RedisClient
import WorkerRuntime

/// Postgres is the source of truth for expiry: every `interval` this loop publishes
/// expiration:complete for live orders more than `grace` past `expires_at`, so a ticket is
/// released even if Redis lost the schedule. Each event's envelope id is the order's id, as
/// the scheduler's is, so the orders inbox applies one of them only, however many are sent.
struct ExpiryReconciler: Sendable {
    let interval: Duration
    let grace: Duration
    /// Orders per sweep; the rest wait for the next one.
    let limit = 500

    func run(_ resources: WorkerResources, until stop: StopSignal) async {
        while !stop.isStopped {
            do {
                let published = try await sweep(resources)
                if published > 0 {
                    resources.logger.info("published expirations for overdue orders", metadata: ["count": "\(published)"])
                }
            } catch {
                resources.logger.warning("the expiry sweep failed; it runs again", metadata: ["error": "\(error)"])
            }
            await stop.sleep(for: interval)
        }
    }

    /// One sweep; returns how many expirations it published.
    func sweep(_ resources: WorkerResources) async throws -> Int {
        let overdue = try await resources.database.query(OrderQueries.overdue(grace: grace, limit: limit)).decodeColumn(UUID.self)
        guard !overdue.isEmpty else { return 0 }
        let stream = resources.keys.events(ExpirationComplete.name)
        let commands = overdue.map { order in
            let envelope = Envelope(
                id: order, type: ExpirationComplete.type,
                data: MessageCoding.encode(ExpirationComplete(orderId: order.lowercasedString)),
                correlationID: order.lowercasedString)
            var command = RedisCommand("XADD", stream, "*")
            for (name, value) in envelope.fields { command.append(contentsOf: [name, value]) }
            return command
        }
        for case .failure(let error) in try await resources.redis.pipeline(commands) { throw error }
        return overdue.count
    }
}
