import Contracts
import Foundation
import PostgresClient
import RedisClient

/// What a handler can do with the message it handles: write rows, read rows, publish events,
/// and answer a command. Everything it writes commits in the batch's transaction, together
/// with the inbox row that marks the message handled, or not at all.
///
/// A context belongs to one handler call on the batch's task; it is not to be kept or shared.
public final class MessageContext {
    public let keys: KeySpace
    /// For effects that live in Redis (the expiration schedule). They happen before the commit
    /// and again if the batch is retried, so they must be idempotent (`ZADD`, `ZREM`).
    public let redis: RedisClient
    let service: String
    let index: Int
    private let session: BatchSession
    private(set) var reply: Reply?
    private(set) var events: [Envelope] = []
    private(set) var eventStreams: [String] = []
    private let message: IncomingMessage

    init(message: IncomingMessage, index: Int, session: BatchSession, keys: KeySpace, redis: RedisClient, service: String) {
        self.message = message
        self.redis = redis
        self.index = index
        self.session = session
        self.keys = keys
        self.service = service
    }

    /// Queues a statement whose result the handler does not need; it goes to the database with
    /// the next round trip. If it fails, the message fails and the rest of the batch goes on.
    public func execute(_ query: PostgresQuery) {
        session.enqueue(query, owner: index)
    }

    /// Runs a statement now (with any queued ones before it) and returns its rows.
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await session.run(query, owner: index)
    }

    /// Queues a statement and hands its rows to `then` once they are back; `then` may reply,
    /// publish and queue more statements. Unlike ``query(_:)`` the handler does not wait, so
    /// the statements of every message in the batch share one round trip. If `then` throws,
    /// the message fails (and the rest of the batch goes on), as if the handler had thrown.
    public func query(_ query: PostgresQuery, then: @escaping (PostgresRows) throws -> Void) {
        session.enqueue(query, owner: index, then: then)
    }

    /// Publishes an event once the batch commits, through the outbox: never lost, never sent for
    /// a change that rolled back. The correlation id is the handled message's.
    public func publish(_ event: EventName, data: String) {
        publish(type: event.rawValue, to: keys.events(event), data: data)
    }

    /// Publishes a typed event to its stream; see ``publish(_:data:)``.
    public func publish<E: Event>(_ event: E) {
        publish(E.name, data: MessageCoding.encode(event))
    }

    /// ``publish(_:data:)`` to a stream named by the caller, for tools and tests.
    public func publish(type: String, to stream: String, data: String) {
        events.append(Envelope(
            type: type, data: data,
            correlationID: message.envelope.correlationID ?? message.envelope.id.lowercasedString))
        eventStreams.append(stream)
    }

    /// Answers the command. The reply is stored with the inbox row and sent after the commit;
    /// a duplicate delivery of the command gets the same reply again.
    public func reply(status: Int, body: String) {
        reply = Reply(status: status, body: body)
    }

    /// Answers with `value` encoded as JSON.
    public func reply<T: Encodable>(status: Int, _ value: T) {
        reply(status: status, body: MessageCoding.encode(value))
    }

    /// Answers with the documented error shape: `{"errors":[{"message","field"}]}`.
    public func reject(status: Int, _ message: String, field: String? = nil) {
        reply(status: status, ErrorBody(message: message, field: field))
    }
}
