import ClientSupport
import Logging
import RedisClient

/// Reads new entries for the service's group with `XREADGROUP … COUNT n BLOCK t` on a
/// connection of its own, and hands each batch to the delivery path.
struct Consumer: Sendable {
    let group: String
    let consumer: String
    let streams: [String]
    let configuration: WorkerConfiguration
    let connection: RedisConnection
    /// The thread the loop runs on, where its connections live; its linger sleeps there.
    let thread: OwnedThread
    let delivery: Delivery
    let logger: Logger
    /// How long to wait after a read that did not fill a batch (see ``WorkerConfiguration/eventLinger``).
    var linger: Duration = .zero

    /// Joins the group on every stream, creating stream and group if missing. A new group starts
    /// at the beginning of the stream, so nothing published before it existed is missed.
    func joinGroups() async throws {
        for stream in streams {
            if try await connection.xgroupCreate(stream, group: group, startID: "0", makeStream: true) {
                logger.info("created consumer group", metadata: ["stream": "\(stream)", "group": "\(group)"])
            }
        }
    }

    /// New entries for this consumer: with `BLOCK` on its own, without when it rides with a
    /// settlement.
    private func readCommand(block: Duration?) -> RedisCommand {
        .xreadgroup(group: group, consumer: consumer, streams: streams.map { ($0, ">") }, count: configuration.batchSize, block: block)
    }

    /// Reads and handles batches until `stop`. While entries keep coming, the next read rides in
    /// the round trip that settles the batch before it (without `BLOCK`, so the settlement is
    /// not held up), saving a round trip per batch; only a read that finds nothing, or the
    /// first, blocks on its own. A stop that comes after such a read still lets its entries be
    /// handled: they are this consumer's now, and a stop finishes what it holds.
    func run(until stop: StopSignal) async throws {
        var failures = 0
        var readAhead: [StreamMessages]?
        while !stop.isStopped || readAhead != nil {
            try Task.checkCancellation()
            let read: [StreamMessages]
            if let entries = readAhead {
                read = entries
                readAhead = nil
            } else if let entries = await blockingRead(failures: &failures, until: stop) {
                read = entries
            } else {
                continue
            }
            let entries = read.flatMap { messages in
                messages.entries.map { DeliveredEntry(stream: messages.stream, entry: $0, deliveryCount: 1) }
            }
            let lingers = linger > .zero && entries.count < configuration.batchSize
            // A loop that lingers reads after its wait; a stopping one takes nothing more. Asked
            // as the settlement goes out, so a stop during the batch is seen.
            readAhead = try await delivery.handle(entries, readAhead: { lingers || stop.isStopped ? nil : readCommand(block: nil) })
                .flatMap { $0.contains { !$0.entries.isEmpty } ? $0 : nil }
            if lingers {
                // Blocks the loop's own thread, where nothing else runs meanwhile (see
                // ``OwnedThread/sleep(for:)``). At most a second (EVENT_LINGER_MS), so a stop
                // need not cut it short.
                await thread.sleep(for: linger)
            }
        }
    }

    /// A read that waits up to `BLOCK` for entries; nil when it failed, after rejoining the
    /// group or backing off, so the loop tries again.
    private func blockingRead(failures: inout Int, until stop: StopSignal) async -> [StreamMessages]? {
        do {
            let read = try StreamMessages.list(try await connection.send(readCommand(block: configuration.block)))
            failures = 0
            return read
        } catch let error as RedisError where error.code == .noGroup {
            // The stream or group was deleted under us (a reset by hand): join again.
            logger.warning("consumer group missing; joining again", metadata: ["error": "\(error)"])
            try? await joinGroups()
            return nil
        } catch {
            failures += 1
            logger.warning("reading from Redis failed", metadata: ["error": "\(error)", "attempt": "\(failures)"])
            await stop.sleep(for: .milliseconds(min(100 * (1 << min(failures, 5)), 3000)))
            return nil
        }
    }
}
