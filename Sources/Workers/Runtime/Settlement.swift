import Contracts
import Logging
import RedisClient

/// The Redis side of a batch, after its transaction: replies out, handled entries acknowledged,
/// failures recorded for their dead letter, all in one round trip; then dead letters.
///
/// If Redis fails here nothing is lost: unacknowledged entries come back and the inbox turns
/// them into duplicates, whose stored replies go out again.
struct Settlement: Sendable {
    let group: String
    let keys: KeySpace
    /// Streams whose handled entries are deleted after the ack (see ``ServiceDefinition``).
    let deletedAfterHandling: Set<String>
    let redis: RedisClient
    let logger: Logger
    /// Reply streams are capped and expire, so an API instance that went away leaves nothing behind.
    static let replyStreamLength = 10_000
    static let replyStreamExpiry: Duration = .seconds(3600)

    func settle(_ outcome: BatchOutcome) async {
        var commands: [RedisCommand] = []
        var replyStreams: Set<String> = []
        for reply in outcome.replies {
            var command = RedisCommand("XADD", reply.stream, "MAXLEN", "~", Self.replyStreamLength, "*")
            for (name, value) in reply.fields { command.append(contentsOf: [name, value]) }
            commands.append(command)
            replyStreams.insert(reply.stream)
        }
        for stream in replyStreams {
            commands.append(RedisCommand("PEXPIRE", stream, Int(Self.replyStreamExpiry.components.seconds * 1000)))
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
        if !commands.isEmpty {
            do {
                for case .failure(let error) in try await redis.pipeline(commands) {
                    logger.warning("settling a batch in Redis failed; its entries will be redelivered", metadata: ["error": "\(error)"])
                }
            } catch {
                logger.warning("settling a batch in Redis failed; its entries will be redelivered", metadata: ["error": "\(error)"])
            }
        }
        for (message, error) in outcome.unhandleable {
            await deadLetter(stream: message.stream, entryID: message.entryID, error: error, deliveries: message.deliveryCount)
        }
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
