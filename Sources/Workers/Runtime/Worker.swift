import ClientSupport
import Contracts
import Foundation
import Logging
import PostgresClient
import RedisClient
import ServiceLifecycle

/// Runs one service's side of the fleet: consumes its streams with its consumer group, handles
/// each batch in one transaction, relays its outbox, and redelivers or dead-letters what stays
/// pending. A `Service`: SIGTERM finishes and acknowledges the batch in flight, flushes the
/// outbox, and returns.
public final class Worker: Service {
    /// Points where tests stop a worker at the worst moments. Throwing from a hook makes the
    /// worker stop on the spot, as a crash would: nothing after that point happens.
    public struct Hooks: Sendable {
        /// After the handlers ran, before the commit.
        public var beforeCommit: (@Sendable ([IncomingMessage]) async throws -> Void)?
        /// After the commit, before replies and acknowledgements reach Redis.
        public var afterCommit: (@Sendable ([IncomingMessage]) async throws -> Void)?

        public init(beforeCommit: (@Sendable ([IncomingMessage]) async throws -> Void)? = nil,
                    afterCommit: (@Sendable ([IncomingMessage]) async throws -> Void)? = nil) {
            self.beforeCommit = beforeCommit
            self.afterCommit = afterCommit
        }
    }

    public let configuration: WorkerConfiguration
    public let service: ServiceDefinition
    /// What the worker's `/readyz` answers from.
    public let readiness = WorkerReadiness()
    private let logger: Logger
    private let hooks: Hooks
    private let stopSignal = StopSignal()

    public init(configuration: WorkerConfiguration, service: ServiceDefinition, logger: Logger, hooks: Hooks = Hooks()) {
        self.configuration = configuration
        self.service = service
        var logger = logger
        logger[metadataKey: "service"] = "\(service.name)"
        logger[metadataKey: "consumer"] = "\(configuration.consumerName)"
        self.logger = logger
        self.hooks = hooks
    }

    /// Stops the worker as SIGTERM would.
    public func stop() {
        stopSignal.stop()
    }

    public func run() async throws {
        try configuration.validate()
        let keys = configuration.keys
        var redisConfiguration = try RedisConfiguration(url: configuration.redisURL)
        redisConfiguration.clientName = "\(service.name):\(configuration.consumerName)"
        let redis = try await RedisClient.connect(configuration: redisConfiguration, logger: logger)
        let lanes = Self.lanes(of: service.streams, keys: keys, concurrency: configuration.concurrency)
        // Shared by the relay, redelivery and the service's loops; each consumer loop has its own.
        let databaseConfiguration = try PostgresConfiguration(
            configuration.databaseURL, poolSize: configuration.effectiveDatabasePoolSize - lanes.count,
            applicationName: "\(service.name)-worker")
        let database = PostgresClient(configuration: databaseConfiguration, logger: logger)
        defer {
            Task {
                await redis.shutdown()
                await database.close()
            }
        }
        try await MessagingSchema.migrate(database, service: service)
        let wake = WakeSignal()
        let marks = PublishedMarks()
        let publicationEffects = PublicationEffects(service: service, keys: keys, logger: logger)
        let metrics = WorkerMetrics(service: service.name, streams: service.streams)
        let inFlight = InFlight()
        let (service, logger, hooks) = (self.service, self.logger, self.hooks)
        let settlement = { (sender: any RedisCommandSender) in
            Settlement(
                group: service.name, keys: keys, deletedAfterHandling: service.deletedAfterHandling, redis: sender, marks: marks, logger: logger)
        }
        // Handlers get the shared client; Redis-only effects go out where the settlement does.
        let delivery = { (database: PostgresClient, settlement: Settlement) in
            Delivery(
                processor: BatchProcessor(
                    service: service, keys: keys, database: database, redis: redis, logger: logger, marks: marks,
                    publicationEffects: publicationEffects, beforeCommit: hooks.beforeCommit),
                effects: RedisEffects(service: service, keys: keys, redis: settlement.redis),
                settlement: settlement, inFlight: inFlight, metrics: metrics, logger: logger, afterCommit: hooks.afterCommit)
        }
        var loopDatabaseConfiguration = databaseConfiguration
        loopDatabaseConfiguration.poolSize = 1
        // Each consumer loop runs on a thread of its own, with its own Redis connection (which its
        // blocking reads hold) and Postgres connection living there: its reads, transactions and
        // settles run in place, with no hop between threads. The loops share one consumer name
        // (the process) and one in-flight set, so redelivery never takes over an entry that
        // another loop of this process is still handling.
        var loops: [ConsumerLoop] = []
        for (index, streams) in lanes.enumerated() {
            let thread = OwnedThread(name: "consumer-\(index)")
            let reader = try await RedisConnection.connect(configuration: redisConfiguration, logger: logger, on: thread)
            let loopDatabase = PostgresClient(configuration: loopDatabaseConfiguration, logger: logger, thread: thread)
            var consumer = Consumer(
                group: service.name, consumer: configuration.consumerName, streams: streams,
                configuration: configuration, connection: reader, thread: thread, delivery: delivery(loopDatabase, settlement(reader)),
                logger: logger)
            consumer.linger = Self.linger(of: streams, keys: keys, configuration: configuration)
            loops.append(ConsumerLoop(database: loopDatabase, consumer: consumer))
        }
        let sharedSettlement = settlement(redis)
        let consumers = loops.map(\.consumer)
        let redelivery = Redelivery(
            group: service.name, consumer: configuration.consumerName, streams: service.streams,
            configuration: configuration, redis: redis, delivery: delivery(database, sharedSettlement), settlement: sharedSettlement,
            metrics: metrics, logger: logger)
        let retention = StreamRetention(
            streams: service.streams, configuration: configuration, redis: redis, metrics: metrics, logger: logger)
        let relay = OutboxRelay(
            service: service.name, configuration: configuration, database: database, redis: redis,
            wake: wake, marks: marks, publicationEffects: publicationEffects, metrics: metrics, logger: logger)

        // Once per lane: loops of one lane read the same streams.
        var joined: Set<[String]> = []
        for consumer in consumers where joined.insert(consumer.streams).inserted { try await consumer.joinGroups() }
        try await leaveRetiredGroups(redis)
        readiness.consuming(redis: redis, database: database)
        defer { readiness.draining() }
        logger.info("worker started", metadata: ["streams": "\(service.streams.joined(separator: ","))"])
        let stop = stopSignal
        let relayStop = StopSignal()
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for loop in loops {
                    group.addTask(executorPreference: loop.consumer.thread) { try await loop.consumer.run(until: stop) }
                }
                group.addTask { try await redelivery.run(until: stop) }
                group.addTask { await retention.run(until: stop) }
                group.addTask { await relay.run(until: relayStop) }
                let resources = WorkerResources(configuration: configuration, keys: keys, redis: redis, database: database, logger: logger)
                for (name, body) in service.loops {
                    group.addTask {
                        var logger = resources.logger
                        logger[metadataKey: "loop"] = "\(name)"
                        try await body(WorkerResources(configuration: resources.configuration, keys: keys, redis: redis, database: database, logger: logger), stop)
                    }
                }
                do {
                    // The consumer loops, redelivery, retention and the service's loops finish what they hold;
                    // then the relay makes its last flush, so the events of that work go out.
                    for _ in 0..<(consumers.count + 2 + service.loops.count) { try await group.next() }
                    relayStop.stop()
                    wake.ring()
                    try await group.next()
                } catch {
                    stop.stop()
                    relayStop.stop()
                    group.cancelAll()
                    throw error
                }
            }
        } onGracefulShutdown: { [readiness] in
            readiness.draining()
            stop.stop()
        }
        for loop in loops { await loop.close() }
        logger.info("worker stopped")
    }

    /// A consumer loop and what lives on its thread: its reading connection (the consumer's) and
    /// its database client.
    private struct ConsumerLoop: Sendable {
        let database: PostgresClient
        let consumer: Consumer

        func close() async {
            await consumer.connection.close()
            await database.close()
            consumer.thread.shutdown()
        }
    }

    /// The streams each consumer loop reads. A service that reads commands and events gets
    /// `concurrency` loops for its commands and as many for its events: a command, which someone
    /// waits for, never waits behind a batch of events (for the orders service, a CreateOrder
    /// behind a batch of ticket:updated). Otherwise `concurrency` loops read all its streams.
    static func lanes(of streams: [String], keys: KeySpace, concurrency: Int) -> [[String]] {
        let commands = streams.filter(keys.isCommands)
        let events = streams.filter { !keys.isCommands($0) }
        guard !commands.isEmpty, !events.isEmpty else { return Array(repeating: streams, count: concurrency) }
        return Array(repeating: commands, count: concurrency) + Array(repeating: events, count: concurrency)
    }

    /// How long a loop reading `streams` waits after a read that did not fill a batch: only a
    /// loop reading events alone lingers; a command is someone's request, waiting for its reply.
    static func linger(of streams: [String], keys: KeySpace, configuration: WorkerConfiguration) -> Duration {
        streams.contains(where: keys.isCommands) ? .zero : configuration.eventLinger
    }

    /// Destroys the service's group on each of its ``ServiceDefinition/retiredStreams``. Entries
    /// it still had pending go with it: a service retires a stream once another path does that
    /// work (for order:created and the expiration schedule, the orders service, with its
    /// reconciler behind it).
    private func leaveRetiredGroups(_ redis: RedisClient) async throws {
        for stream in service.retiredStreams where try await redis.send("EXISTS", stream).asInt() == 1 {
            if try await redis.xgroupDestroy(stream, group: service.name) {
                logger.info("left the consumer group of a stream this service no longer reads", metadata: ["stream": "\(stream)"])
            }
        }
    }
}

/// The delivery tables every worker shares (`messaging.inbox`, `messaging.outbox`), then the
/// service's own schemas; each migration runs once however many workers start together.
enum MessagingSchema {
    static func migrate(_ database: PostgresClient, service: ServiceDefinition) async throws {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw ConfigurationError("the messaging migrations are missing from the worker's resources")
        }
        try await database.migrate(schema: "messaging", migrations: try Migration.load(from: directory))
        for (schema, migrations) in service.migrations {
            try await database.migrate(schema: schema, migrations: migrations)
        }
    }
}
