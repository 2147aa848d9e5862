import Contracts
import Foundation
import Logging
import RedisClient

/// One entry as read from Redis, before its envelope is checked.
struct DeliveredEntry: Sendable {
    let stream: String
    let entry: StreamEntry
    let deliveryCount: Int
}

/// The path every delivered entry takes, first delivery or retry alike: check the envelope,
/// handle the batch in one transaction, then settle it in Redis.
struct Delivery: Sendable {
    let processor: BatchProcessor
    let effects: RedisEffects
    let settlement: Settlement
    let inFlight: InFlight
    let metrics: WorkerMetrics
    let logger: Logger
    /// Test hook: runs after the commit and before anything reaches Redis. Throwing from it
    /// stands in for a crash at the worst moment.
    let afterCommit: (@Sendable ([IncomingMessage]) async throws -> Void)?

    /// Handles and settles `entries`. `readAhead` is asked, as the settlement goes out, for a
    /// consumer's next non-blocking `XREADGROUP` to send with it (see
    /// ``Settlement/settle(_:thenRead:)``); the entries it read are returned.
    @discardableResult
    func handle(_ entries: [DeliveredEntry], readAhead: () -> RedisCommand? = { nil }) async throws -> [StreamMessages]? {
        guard !entries.isEmpty else { return nil }
        let keys = entries.map { InFlight.key(stream: $0.stream, id: $0.entry.id) }
        inFlight.insert(keys)
        defer { inFlight.remove(keys) }

        var messages: [IncomingMessage] = []
        var malformed = BatchOutcome()
        for delivered in entries {
            if delivered.entry.isDeleted {
                // Only trimming below what every group acknowledged is allowed, so this is an
                // entry someone deleted by hand: nothing is left to handle or to keep.
                logger.error("a pending entry was deleted from its stream; acknowledging it", metadata: [
                    "stream": "\(delivered.stream)", "entry_id": "\(delivered.entry.id)",
                ])
                malformed.handled.append(IncomingMessage(
                    stream: delivered.stream, entryID: delivered.entry.id,
                    envelope: Envelope(type: "deleted", data: ""), deliveryCount: delivered.deliveryCount))
                continue
            }
            do {
                let envelope = try Envelope(fields: delivered.entry.fields.map { ($0.name, $0.value) })
                messages.append(IncomingMessage(stream: delivered.stream, entryID: delivered.entry.id, envelope: envelope, deliveryCount: delivered.deliveryCount))
            } catch {
                // It will never parse: retrying would only hold up the queue.
                malformed.unhandleable.append((
                    IncomingMessage(stream: delivered.stream, entryID: delivered.entry.id, envelope: Envelope(type: "malformed", data: ""), deliveryCount: delivered.deliveryCount),
                    "malformed entry: \(error)"))
            }
        }

        let started = ContinuousClock.now
        let redisOnly = messages.filter(effects.handles)
        let transactional = redisOnly.isEmpty ? messages : messages.filter { !effects.handles($0) }
        var outcome = transactional.isEmpty ? BatchOutcome() : await processor.process(transactional)
        if let crash = outcome.crash { throw crash.underlying }
        if !redisOnly.isEmpty {
            let applied = await effects.apply(redisOnly)
            outcome.handled += applied.handled
            outcome.failed += applied.failed
        }
        metrics.batchHandled(outcome, duration: ContinuousClock.now - started, redelivered: entries.filter { $0.deliveryCount > 1 }.count)
        try await afterCommit?(outcome.handled)
        outcome.handled += malformed.handled
        outcome.unhandleable += malformed.unhandleable
        metrics.deadLettered(outcome.unhandleable.count)
        let settled = await settlement.settle(outcome, thenRead: readAhead())
        metrics.published(settled.published)
        for (message, error) in outcome.failed {
            logger.warning("message failed; it will be retried", metadata: [
                "stream": "\(message.stream)", "entry_id": "\(message.entryID)",
                "message_id": "\(message.envelope.id)", "correlation_id": "\(message.envelope.correlationID ?? "")",
                "deliveries": "\(message.deliveryCount)", "error": "\(error)",
            ])
        }
        return settled.read
    }
}
