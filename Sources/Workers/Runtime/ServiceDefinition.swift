import Contracts
import Logging
import PostgresClient
import RedisClient

/// Handles one message inside the batch's transaction. Writes go through the context, so they
/// commit together with the inbox row; a thrown error leaves the message pending for a retry.
public typealias MessageHandler = @Sendable (IncomingMessage, MessageContext) async throws -> Void

/// Handles a message whose only effects are idempotent Redis commands (`ZADD`, `ZREM`): it
/// returns them, and they run in one round trip for the batch before the entries are
/// acknowledged. No transaction and no inbox: a redelivered message just runs them again.
public typealias RedisEffectHandler = @Sendable (IncomingMessage, KeySpace) throws -> [RedisCommand]

/// Redis commands that go out with each publication of an event, in the round trip that
/// publishes it (the batch's settlement, or the outbox relay's), and count toward it: the event
/// is taken as published only once they and its `XADD` succeeded. An effect as durable as the
/// event, without a consumer hop of its own. They must be idempotent: an event can be published
/// twice.
public typealias PublicationEffect = @Sendable (Envelope, KeySpace) throws -> [RedisCommand]

/// What a service consumes and how: its name (the consumer group and the outbox's publisher),
/// the streams it reads, and a handler per message type.
public struct ServiceDefinition: Sendable {
    public let name: String
    public private(set) var streams: [String] = []
    private var handlers: [String: [String: MessageHandler]] = [:]
    private var redisHandlers: [String: [String: RedisEffectHandler]] = [:]
    private var publicationEffects: [String: PublicationEffect] = [:]
    /// The service's own schema migrations, applied at start-up after the messaging tables.
    public var migrations: [(schema: String, migrations: [Migration])] = []

    /// Loops the service runs beside its consumer (a scheduler, a reconciler); each returns
    /// once `stop` is stopped.
    public private(set) var loops: [(name: String, body: BackgroundLoop)] = []

    public init(name: String) {
        self.name = name
    }

    /// Runs `body` for the worker's lifetime, after the schemas are migrated.
    public mutating func loop(_ name: String, _ body: @escaping BackgroundLoop) {
        loops.append((name, body))
    }

    /// Streams whose entries are deleted once handled: commands that carry secrets (passwords)
    /// should not stay readable in Redis. Only for streams this service alone reads.
    public private(set) var deletedAfterHandling: Set<String> = []

    /// Registers `handler` for messages of `type` on `stream`. With `deleteWhenHandled`, entries
    /// of that stream are deleted (`XDEL`) right after they are acknowledged.
    ///
    /// `transactionOnly` says that every effect of the handler is a statement of the batch's
    /// transaction: it calls no gateway and writes nothing elsewhere, so running it for a
    /// duplicate and rolling back leaves no trace. A command of such a type, read for the first
    /// time, skips the inbox check as an event does (a round trip saved on the buyer's path):
    /// a duplicate is found by the inbox insert, and the batch runs again with the check. Any
    /// other command is checked before its handler runs. Events are always checked that way.
    public mutating func on(
        _ type: String, in stream: String, deleteWhenHandled: Bool = false, transactionOnly: Bool = false,
        _ handler: @escaping MessageHandler
    ) {
        if !streams.contains(stream) { streams.append(stream) }
        handlers[stream, default: [:]][type] = handler
        if deleteWhenHandled { deletedAfterHandling.insert(stream) }
        if transactionOnly { transactionOnlyTypes[stream, default: []].insert(type) } else { transactionOnlyTypes[stream]?.remove(type) }
    }

    /// The types, by stream, whose handlers act only within the transaction (see ``on(_:in:deleteWhenHandled:transactionOnly:_:)``).
    private var transactionOnlyTypes: [String: Set<String>] = [:]

    func isTransactionOnly(stream: String, type: String) -> Bool {
        transactionOnlyTypes[stream]?.contains(type) ?? false
    }

    /// Registers `handler` for messages of `type` on `stream` whose effects live in Redis only
    /// (see ``RedisEffectHandler``).
    public mutating func onRedisOnly(_ type: String, in stream: String, _ handler: @escaping RedisEffectHandler) {
        if !streams.contains(stream) { streams.append(stream) }
        redisHandlers[stream, default: [:]][type] = handler
    }

    /// Runs `effect` with every publication of this service's events of `type` (see
    /// ``PublicationEffect``): how the orders service puts an order on the expiration schedule
    /// as it announces it, the way a Bull producer adds a delayed job.
    public mutating func onPublishing(_ type: String, _ effect: @escaping PublicationEffect) {
        publicationEffects[type] = effect
    }

    /// Streams this service's group no longer reads. The group is destroyed when the worker
    /// starts: a group nobody reads would hold the stream's trimming back for ever.
    public private(set) var retiredStreams: [String] = []

    /// Marks `stream` as no longer read by this service (see ``retiredStreams``).
    public mutating func retire(_ stream: String) {
        if !retiredStreams.contains(stream) { retiredStreams.append(stream) }
    }

    func publicationEffect(type: String) -> PublicationEffect? {
        publicationEffects[type]
    }

    func handler(stream: String, type: String) -> MessageHandler? {
        handlers[stream]?[type]
    }

    func redisHandler(stream: String, type: String) -> RedisEffectHandler? {
        redisHandlers[stream]?[type]
    }
}

/// A service's own loop: it gets the worker's clients and returns once `stop` is stopped.
public typealias BackgroundLoop = @Sendable (WorkerResources, StopSignal) async throws -> Void

/// The clients and settings a worker shares with its handlers and loops.
public struct WorkerResources: Sendable {
    public let configuration: WorkerConfiguration
    public let keys: KeySpace
    public let redis: RedisClient
    public let database: PostgresClient
    public let logger: Logger
}
