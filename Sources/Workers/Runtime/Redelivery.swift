import Logging
import RedisClient

/// Looks after entries that stay pending: retries this consumer's failures with exponential
/// backoff, takes over entries of consumers that went quiet for longer than the ack wait, and
/// moves entries delivered too often to the dead-letter stream.
///
/// It reads `XPENDING … IDLE` rather than `XAUTOCLAIM` because `XPENDING` gives each entry's
/// delivery count and consumer, which the backoff and the dead-letter rule both need; the
/// take-over itself is an `XCLAIM` of exactly the entries that are due.
struct Redelivery: Sendable {
    let group: String
    let consumer: String
    let streams: [String]
    let configuration: WorkerConfiguration
    let redis: RedisClient
    let delivery: Delivery
    let settlement: Settlement
    let metrics: WorkerMetrics
    let logger: Logger
    static let scanLimit = 200

    func run(until stop: StopSignal) async throws {
        while !stop.isStopped {
            try Task.checkCancellation()
            for stream in streams where !stop.isStopped {
                do {
                    // The group's pending count and lag for the metrics, in the same pass; a
                    // failure here shows in the sweep that follows.
                    if let state = try? await redis.xinfoGroups(stream).first(where: { $0.name == group }) {
                        metrics.groupState(stream: stream, pending: state.pending, lag: state.lag)
                    }
                    try await sweep(stream)
                } catch let error as RedisError where error.code == .noGroup {
                    continue  // the consumer re-creates it
                } catch let error as RedisError {
                    logger.warning("scanning pending entries failed", metadata: ["stream": "\(stream)", "error": "\(error)"])
                }
            }
            await stop.sleep(for: configuration.redeliveryInterval)
        }
    }

    /// How long an entry of this consumer waits before its next try: doubling from
    /// `retryBase`, never beyond the ack wait.
    func backoff(afterDeliveries deliveries: Int) -> Duration {
        let doubled = configuration.retryBase * (1 << min(max(deliveries - 1, 0), 20))
        return min(doubled, configuration.ackWait)
    }

    func sweep(_ stream: String) async throws {
        let pending = try await redis.xpending(stream, group: group, count: Self.scanLimit, minIdle: configuration.retryBase)
        var due: [Duration: [(id: String, deliveries: Int)]] = [:]
        for entry in pending where !delivery.inFlight.contains(InFlight.key(stream: stream, id: entry.id)) {
            let wait = entry.consumer == consumer ? backoff(afterDeliveries: entry.deliveryCount) : configuration.ackWait
            guard entry.idle >= wait else { continue }
            if entry.deliveryCount >= configuration.maxDeliveries {
                await settlement.deadLetter(stream: stream, entryID: entry.id, error: nil, deliveries: entry.deliveryCount)
                metrics.deadLettered(1)
                continue
            }
            due[wait, default: []].append((entry.id, entry.deliveryCount))
        }
        for (wait, entries) in due {
            // Claiming with the same idle floor means an entry another copy claimed first is skipped.
            let claimed = try await redis.xclaim(stream, group: group, consumer: consumer, minIdle: wait, ids: entries.map(\.id))
            let deliveries = Dictionary(entries.map { ($0.id, $0.deliveries) }, uniquingKeysWith: max)
            let batch = claimed.map { DeliveredEntry(stream: stream, entry: $0, deliveryCount: (deliveries[$0.id] ?? 0) + 1) }
            if !batch.isEmpty {
                logger.info("redelivering pending entries", metadata: ["stream": "\(stream)", "count": "\(batch.count)"])
            }
            for chunk in stride(from: 0, to: batch.count, by: configuration.batchSize) {
                try await delivery.handle(Array(batch[chunk..<min(chunk + configuration.batchSize, batch.count)]))
            }
        }
    }
}
