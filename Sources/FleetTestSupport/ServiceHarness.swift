import Contracts
import Foundation
import Logging
import PasswordSeal
import PostgresClient
import RedisClient
import TestSupport
import WorkerRuntime

/// Runs a service's worker in-process against the shared test servers, with a database and a
/// key prefix of its own, and talks to it the way the API and the other services do: commands
/// with a reply stream, events on their streams.
public struct ServiceHarness: Sendable {
    public let keys: KeySpace
    public let redisURL: String
    public let databaseURL: String
    public let redis: RedisClient
    public let database: PostgresClient
    /// Where this harness's command replies arrive.
    public let replyStream: String

    public static func make() async throws -> ServiceHarness {
        let redisServer = try await TestServers.redis()
        let databaseURL = try await TestServers.postgres().createDatabase()
        let keys = KeySpace(prefix: TestServers.uniqueName("t"))
        return ServiceHarness(
            keys: keys, redisURL: redisServer.url, databaseURL: databaseURL,
            redis: try await RedisClient.connect(configuration: try RedisConfiguration(url: redisServer.url)),
            database: PostgresClient(configuration: try PostgresConfiguration(databaseURL, poolSize: 2)),
            replyStream: keys.replies("harness"))
    }

    /// Quick timings, so retries and take-overs happen within a test's patience.
    public func configuration(consumer: String = "test") -> WorkerConfiguration {
        var configuration = WorkerConfiguration()
        configuration.redisURL = redisURL
        configuration.databaseURL = databaseURL
        configuration.keyPrefix = keys.prefix
        configuration.consumerName = consumer
        configuration.block = .milliseconds(100)
        configuration.ackWait = .seconds(2)
        configuration.retryBase = .milliseconds(50)
        configuration.redeliveryInterval = .milliseconds(50)
        configuration.outboxPollInterval = .milliseconds(200)
        // Long enough that a loaded machine's worker publishes its own events first (the relay
        // would publish them again, harmless but confusing to a test counting entries).
        configuration.outboxStaleAfter = .seconds(2)
        // Many tests run at once against one Postgres: keep each worker's share small.
        configuration.databasePoolSize = 3
        return configuration
    }

    /// Starts a worker for `service` and waits until it has joined its groups.
    public func start(
        _ service: ServiceDefinition, consumer: String = "test", hooks: Worker.Hooks = .init(),
        configure: (inout WorkerConfiguration) -> Void = { _ in }
    ) async throws -> RunningWorker {
        var logger = Logger(label: "\(service.name)-worker")
        logger.logLevel = .warning
        var configuration = configuration(consumer: consumer)
        configure(&configuration)
        let worker = Worker(configuration: configuration, service: service, logger: logger, hooks: hooks)
        let task = Task { try await worker.run() }
        let running = RunningWorker(worker: worker, task: task)
        for stream in service.streams {
            let joined = try await eventually(timeout: .seconds(90)) {
                let groups = (try? await redis.xinfoGroups(stream)) ?? []
                return groups.contains { $0.name == service.name }
            }
            guard joined else {
                try? await running.stop()
                throw HarnessError("the \(service.name) worker did not join its group on \(stream) within 90 s")
            }
        }
        return running
    }

    /// Sends a command as the API does (a password sealed with the development key, which the
    /// services use when not told otherwise) and waits for its reply.
    public func send<C: Command>(_ command: C, userID: String?, id: UUID = UUID(), timeout: Duration = .seconds(15)) async throws -> CommandReply {
        let envelope = Envelope(
            id: id, type: C.type, data: try PasswordSealer(keys: .development).payload(command, id: id.lowercasedString),
            correlationID: id.lowercasedString, userID: userID, replyTo: replyStream)
        try await redis.xadd(keys.commands(C.service), fields: envelope.fields)
        return try await reply(to: id, timeout: timeout)
    }

    /// The reply to command `id`, waiting for it up to `timeout`.
    public func reply(to id: UUID, timeout: Duration = .seconds(15)) async throws -> CommandReply {
        let wanted = id.lowercasedString
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let entry = try await redis.xrange(replyStream).last(where: { $0[EnvelopeField.id] == wanted }),
               let status = entry["status"].flatMap(Int.init), let body = entry["body"] {
                return CommandReply(status: status, body: body)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError("no reply to command \(wanted) within \(timeout)")
    }

    /// Publishes an event as the service that owns it would.
    @discardableResult
    public func publish<E: Event>(_ event: E, id: UUID = UUID()) async throws -> Envelope {
        let envelope = Envelope(id: id, type: E.type, data: MessageCoding.encode(event), correlationID: "test")
        try await redis.xadd(keys.events(E.name), fields: envelope.fields)
        return envelope
    }

    /// Every event of type `E` published so far, oldest first.
    public func events<E: Event>(_ type: E.Type) async throws -> [E] {
        try await redis.xrange(keys.events(E.name)).compactMap { entry in
            guard let data = entry[EnvelopeField.data] else { return nil }
            return try MessageCoding.decode(E.self, from: data)
        }
    }

    /// Whether consumer group `group` has handled message `id` (its inbox row): the positive
    /// sign that a message was seen, for tests that then check it had no effect.
    public func handled(_ id: UUID, by group: String) async throws -> Bool {
        try await !database.query(
            "SELECT 1 FROM messaging.inbox WHERE consumer_group = \(group) AND message_id = \(id)").isEmpty
    }

    /// Waits until `group` has handled every message in `envelopes`.
    public func awaitHandled(_ envelopes: [Envelope], by group: String, timeout: Duration = .seconds(30)) async throws {
        for envelope in envelopes {
            guard try await eventually(timeout: timeout, { try await handled(envelope.id, by: group) }) else {
                throw HarnessError("\(envelope.type) \(envelope.id) was never handled by \(group)")
            }
        }
    }

    /// Events of `type` the service has written to its outbox, published or not. A command's
    /// reply or a message's inbox row means its transaction committed, outbox rows included,
    /// so this says at once (no waiting for the relay) whether an event is on its way.
    public func outboxed(_ type: String) async throws -> Int {
        // Published rows leave the outbox: the events committed are those still in it and
        // those on their stream, each counted once however often it was published.
        let waiting = try await database.query("SELECT message_id FROM messaging.outbox WHERE type = \(type)").decodeColumn(UUID.self)
        let published = try await redis.xrange(keys.custom("events:\(type)")).compactMap { $0[EnvelopeField.id].flatMap(UUID.init(uuidString:)) }
        return Set(waiting + published).count
    }

    /// Entries in the dead-letter stream of `stream`.
    public func deadLetters(of stream: String) async throws -> Int {
        try await redis.xlen(keys.dead(stream))
    }

    /// Polls `condition` until it holds or `timeout` passes; returns whether it held.
    public func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(25))
        }
        return try await condition()
    }

    public func close() async {
        await redis.shutdown()
        await database.close()
    }
}

/// A command's reply as the API receives it.
public struct CommandReply: Sendable, Hashable {
    public let status: Int
    public let body: String

    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try MessageCoding.decode(type, from: body)
    }

    /// The error body's items, when the reply is an error.
    public var errors: [ErrorBody.Item] {
        (try? MessageCoding.decode(ErrorBody.self, from: body).errors) ?? []
    }
}

/// A worker running in a task of the test.
public final class RunningWorker: Sendable {
    public let worker: Worker
    private let task: Task<Void, Error>

    init(worker: Worker, task: Task<Void, Error>) {
        self.worker = worker
        self.task = task
    }

    /// A test that threw before ``stop()`` drops its worker here: it is stopped as SIGTERM would,
    /// rather than left consuming for the rest of the run. (After ``stop()`` this does nothing.)
    deinit {
        worker.stop()
    }

    /// Stops it as SIGTERM would, and waits until it returned.
    public func stop() async throws {
        worker.stop()
        try await task.value
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
