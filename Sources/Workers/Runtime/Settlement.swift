import Contracts
import Foundation
import Logging
import RedisClient
import Synchronization

/// The Redis side of a batch, after its transaction: replies out, the committed events
/// published, handled entries acknowledged, failures recorded for their dead letter, all in one
/// round trip; then dead letters.
///
/// If Redis fails here nothing is lost: unacknowledged entries come back and the inbox turns
/// them into duplicates, whose stored replies go out again; events not published stay in the
/// outbox for the relay.
struct Settlement: Sendable {
    let group: String
    let keys: KeySpace
    /// Streams whose handled entries are deleted after the ack (see ``ServiceDefinition``).
    let deletedAfterHandling: Set<String>
    let redis: any RedisCommandSender
    /// Where the ids of published events go, to be marked in the outbox.
    let marks: PublishedMarks
    let logger: Logger
    /// Reply streams are capped and expire, so an API instance that went away leaves nothing behind.
    static let replyStreamLength = 10_000
    static let replyStreamExpiry: Duration = .seconds(3600)
    /// A reply stream's expiry is pushed back at most this often, not with every batch.
    static let expiryRefresh: Duration = .seconds(60)
    let expiries = ReplyStreamExpiries()

    /// Returns how many of the batch's events were published.
    @discardableResult
    func settle(_ outcome: BatchOutcome) async -> Int {
        await settle(outcome, thenRead: nil).published
    }

    /// Settles the batch and, in the same round trip, sends `read` (a consumer's next
    /// `XREADGROUP`, without `BLOCK`, so the settlement's answers are not held up): the entries
    /// it read, or nil when it failed or there was none to send. Its commands come after every
    /// acknowledgement of the batch.
    func settle(_ outcome: BatchOutcome, thenRead read: RedisCommand?) async -> (published: Int, read: [StreamMessages]?) {
        precondition(read?.blockingTime == nil, "a read riding with a settlement must not block it")
        var commands: [RedisCommand] = []
        var replyStreams: Set<String> = []
        for reply in outcome.replies {
            var command = RedisCommand("XADD", reply.stream, "MAXLEN", "~", Self.replyStreamLength, "*")
            for (name, value) in reply.fields { command.append(contentsOf: [name, value]) }
            commands.append(command)
            replyStreams.insert(reply.stream)
        }
        for stream in expiries.due(replyStreams, every: Self.expiryRefresh) {
            commands.append(RedisCommand("PEXPIRE", stream, Int(Self.replyStreamExpiry.components.seconds * 1000)))
        }
        // Events before acknowledgements: an event of this batch is out before any entry of it
        // is acknowledged. (Either order would be safe: the outbox keeps what did not go out.)
        // Each event's publication effects follow its XADD; where each event's commands are:
        var eventCommands: [Range<Int>] = []
        for event in outcome.events {
            var command = RedisCommand("XADD", event.stream, "*")
            for (name, value) in event.fields { command.append(contentsOf: [name, value]) }
            let first = commands.count
            commands.append(command)
            commands += event.effects
            eventCommands.append(first..<commands.count)
        }
        let failures = keys.failures(group)
        for (stream, messages) in Dictionary(grouping: outcome.handled, by: \.stream) {
            commands.append(RedisCommand("XACK", arguments: [stream, group] + messages.map(\.entryID)))
            if deletedAfterHandling.contains(stream) {
                commands.append(RedisCommand("XDEL", arguments: [stream] + messages.map(\.entryID)))
            }
            let retried = messages.filter { $0.deliveryCount > 1 }
            if !retried.isEmpty {
                commands.append(RedisCommand("HDEL", arguments: [failures] + retried.map { DeadLetters.failureField(stream: $0.stream, entryID: $0.entryID) }))
            }
        }
        for (message, error) in outcome.failed {
            commands.append(RedisCommand("HSET", failures, DeadLetters.failureField(stream: message.stream, entryID: message.entryID), String(error.prefix(2000))))
        }
        var publishedCount = 0
        var entriesRead: [StreamMessages]?
        if let read { commands.append(read) }
        if !commands.isEmpty {
            do {
                var results = try await redis.pipeline(commands)
                if read != nil, case .success(let reply)? = results.popLast() { entriesRead = try? StreamMessages.list(reply) }
                var published: [UUID] = []
                // Published only when its XADD and its effects all went through; otherwise the
                // relay publishes it (and runs its effects) again.
                for (event, range) in zip(outcome.events, eventCommands) {
                    if results[range].allSatisfy({ if case .success = $0 { true } else { false } }) { published.append(event.id) }
                }
                marks.add(published)
                publishedCount = published.count
                for case .failure(let error) in results {
                    logger.warning("settling a batch in Redis failed; its entries will be redelivered", metadata: ["error": "\(error)"])
                }
            } catch {
                logger.warning("settling a batch in Redis failed; its entries will be redelivered", metadata: ["error": "\(error)"])
            }
        }
        for (message, error) in outcome.unhandleable {
            await deadLetter(stream: message.stream, entryID: message.entryID, error: error, deliveries: message.deliveryCount)
        }
        return (publishedCount, entriesRead)
    }

    /// Moves an entry to its dead-letter stream; logs rather than throws, since the entry stays
    /// pending (and is tried again) if the move fails.
    func deadLetter(stream: String, entryID: String, error: String?, deliveries: Int) async {
        do {
            if let id = try await DeadLetters.move(
                stream: stream, entryID: entryID, group: group, error: error, deliveries: deliveries, keys: keys, redis: redis)
            {
                logger.error("entry moved to the dead-letter stream", metadata: [
                    "stream": "\(stream)", "entry_id": "\(entryID)", "dead_letter_id": "\(id)",
                    "deliveries": "\(deliveries)", "error": "\(error ?? "(recorded)")",
                ])
            }
        } catch {
            logger.warning("moving an entry to the dead-letter stream failed; it stays pending", metadata: [
                "stream": "\(stream)", "entry_id": "\(entryID)", "error": "\(error)",
            ])
        }
    }
}

/// When each reply stream's expiry was last pushed back. A stream is refreshed again once
/// ``Settlement/expiryRefresh`` has passed: long before the hour it is given runs out.
final class ReplyStreamExpiries: Sendable {
    private let refreshed = Mutex<[String: ContinuousClock.Instant]>([:])

    /// The streams of `streams` due for a refresh, now counted as refreshed.
    func due(_ streams: Set<String>, every interval: Duration) -> [String] {
        let now = ContinuousClock.now
        return refreshed.withLock { refreshed in
            if refreshed.count > 10_000 { refreshed.removeAll() }
            return streams.filter { stream in
                guard let last = refreshed[stream], now - last < interval else {
                    refreshed[stream] = now
                    return true
                }
                return false
            }
        }
    }
}
