import Contracts
import Foundation
import Logging
import PostgresClient
import RedisClient
import TestSupport
@testable import WorkerRuntime

/// A database and a key prefix of the test's own, a counting service, and helpers to drive it.
struct Harness {
    let keys: KeySpace
    let redisURL: String
    let databaseURL: String
    let redis: RedisClient
    let database: PostgresClient
    let stream: String

    /// - Parameter postgres: a server of the test's own (one it restarts); else the shared one.
    static func make(postgres: PostgresServer? = nil) async throws -> Harness {
        let redisServer = try await TestServers.redis()
        let server = if let postgres { postgres } else { try await TestServers.postgres() }
        let databaseURL = try await server.createDatabase()
        let keys = KeySpace(prefix: TestServers.uniqueName("t"))
        let redis = try await RedisClient.connect(configuration: try RedisConfiguration(url: redisServer.url))
        let database = PostgresClient(configuration: try PostgresConfiguration(databaseURL, poolSize: 2))
        try await database.query("CREATE TABLE effects (message_id uuid NOT NULL, key text NOT NULL)")
        try await database.query("CREATE TABLE replica (id text PRIMARY KEY, version int NOT NULL, title text NOT NULL)")
        try await database.query("CREATE TABLE applied (id text NOT NULL, version int NOT NULL)")
        return Harness(keys: keys, redisURL: redisServer.url, databaseURL: databaseURL, redis: redis, database: database, stream: keys.custom("events:thing"))
    }

    func configuration(consumer: String, ackWait: Duration = .seconds(30), maxDeliveries: Int = 10, concurrency: Int = 1) -> WorkerConfiguration {
        var configuration = WorkerConfiguration()
        configuration.redisURL = redisURL
        configuration.databaseURL = databaseURL
        configuration.keyPrefix = keys.prefix
        configuration.consumerName = consumer
        configuration.block = .milliseconds(100)
        configuration.ackWait = ackWait
        configuration.maxDeliveries = maxDeliveries
        configuration.retryBase = .milliseconds(50)
        configuration.redeliveryInterval = .milliseconds(50)
        configuration.outboxPollInterval = .milliseconds(200)
        // Long enough that a loaded machine's worker publishes its own events first (the relay
        // would publish them again, harmless but confusing to a test counting entries).
        configuration.outboxStaleAfter = .seconds(2)
        configuration.databasePoolSize = 3
        configuration.concurrency = concurrency
        return configuration
    }

    /// Counts one effect per handled message (no unique key: a doubled effect shows as two rows),
    /// publishes `thing:counted`, and replies with the key. A `poison` message always fails.
    /// Each publication of `thing:counted` also adds its key to the set ``countedKeys``.
    func countingService(slow: Duration? = nil) -> ServiceDefinition {
        var service = ServiceDefinition(name: "counter")
        let counted = keys.custom("events:counted")
        let countedKeys = self.countedKeys
        service.onPublishing("thing:counted") { envelope, _ in
            let body = try JSONDecoder().decode(ThingBody.self, from: Data(envelope.data.utf8))
            return [RedisCommand("SADD", countedKeys, body.key)]
        }
        service.on("thing", in: stream) { message, context in
            let body = try JSONDecoder().decode(ThingBody.self, from: Data(message.envelope.data.utf8))
            if body.poison == true { throw PoisonError(key: body.key) }
            if let slow { try await Task.sleep(for: slow) }
            context.execute("INSERT INTO effects (message_id, key) VALUES (\(message.envelope.id), \(body.key))")
            context.publish(type: "thing:counted", to: counted, data: message.envelope.data)
            context.reply(status: 201, body: #"{"key":"\#(body.key)"}"#)
        }
        service.on("replica:set", in: stream) { message, context in
            let body = try JSONDecoder().decode(ReplicaBody.self, from: Data(message.envelope.data.utf8))
            let current = try await context.query("SELECT version FROM replica WHERE id = \(body.id)")
            let version = try current.first.map { Int(try $0.decode(Int32.self, at: 0)) }
            guard try VersionGate.shouldApply(current: version, incoming: body.version, what: "replica \(body.id)") else { return }
            context.execute("""
                INSERT INTO replica (id, version, title) VALUES (\(body.id), \(Int32(body.version)), \(body.title))
                ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, title = EXCLUDED.title
                """)
            context.execute("INSERT INTO applied (id, version) VALUES (\(body.id), \(Int32(body.version)))")
        }
        return service
    }

    @discardableResult
    func publish(_ key: String, poison: Bool = false, replyTo: String? = nil, replyNotify: String? = nil) async throws -> Envelope {
        let data = String(decoding: try JSONEncoder().encode(ThingBody(key: key, poison: poison)), as: UTF8.self)
        let envelope = Envelope(type: "thing", data: data, correlationID: "c-\(key)", replyTo: replyTo, replyNotify: replyNotify)
        try await redis.xadd(stream, fields: envelope.fields)
        return envelope
    }

    func publishReplica(_ id: String, version: Int, title: String) async throws {
        let data = String(decoding: try JSONEncoder().encode(ReplicaBody(id: id, version: version, title: title)), as: UTF8.self)
        try await redis.xadd(stream, fields: Envelope(type: "replica:set", data: data).fields)
    }

    func worker(_ consumer: String, ackWait: Duration = .seconds(30), maxDeliveries: Int = 10, concurrency: Int = 1,
                slow: Duration? = nil, hooks: Worker.Hooks = .init()) -> Worker {
        var logger = Logger(label: "test-worker")
        logger.logLevel = .critical
        return Worker(configuration: configuration(consumer: consumer, ackWait: ackWait, maxDeliveries: maxDeliveries, concurrency: concurrency),
                      service: countingService(slow: slow), logger: logger, hooks: hooks)
    }

    /// Where the counting service's publication effect puts each counted key.
    var countedKeys: String { keys.custom("counted-keys") }

    /// The keys the publication effect has added so far.
    func countedKeysPublished() async throws -> Set<String> {
        Set(try await redis.send("SMEMBERS", countedKeys).asArray().compactMap(\.string))
    }

    /// A relay for the counting service's outbox, as its worker runs one.
    func relay(_ configuration: WorkerConfiguration? = nil, service: ServiceDefinition? = nil) -> OutboxRelay {
        OutboxRelay(
            service: "counter", configuration: configuration ?? self.configuration(consumer: "r"), database: database,
            redis: redis, wake: WakeSignal(), marks: PublishedMarks(),
            publicationEffects: PublicationEffects(service: service ?? countingService(), keys: keys, logger: Logger(label: "relay")),
            metrics: WorkerMetrics(service: "counter", streams: []), logger: Logger(label: "relay"))
    }

    func effects() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try await database.query("SELECT key, count(*)::int8 FROM effects GROUP BY key") {
            let (key, count) = try row.decode((String, Int64).self)
            counts[key] = Int(count)
        }
        return counts
    }

    /// Entries pending for the group; -1 before the group exists.
    func pendingCount() async throws -> Int {
        do {
            return try await redis.xpendingSummary(stream, group: "counter").count
        } catch let error as RedisError where error.code == .noGroup {
            return -1
        }
    }

    /// Every entry of the stream was delivered to the group and none is pending. A pending
    /// count alone reads 0 too between the group's creation and its first read.
    func drained() async throws -> Bool {
        do {
            guard let group = try await redis.xinfoGroups(stream).first(where: { $0.name == "counter" }) else { return false }
            let last = try await redis.xinfoStream(stream).lastGeneratedID
            return group.pending == 0 && group.lastDeliveredID == last
        } catch let error as RedisError where error.code == .server {
            return false  // no stream yet
        }
    }

    /// Polls `condition` until it holds or `timeout` passes.
    func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    func close() async {
        await redis.shutdown()
        await database.close()
    }
}

struct ThingBody: Codable {
    var key: String
    var poison: Bool?
}

struct ReplicaBody: Codable {
    var id: String
    var version: Int
    var title: String
}

struct PoisonError: Error, CustomStringConvertible {
    let key: String
    var description: String { "poison message \(key) cannot be handled" }
}

struct Crash: Error {}

/// Counts hook calls across tasks.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { value += 1; return value } }
    var current: Int { lock.withLock { value } }
}

/// The message ids a hook saw, across tasks.
final class MessageLog: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: Set<UUID> = []
    func add(_ messages: [IncomingMessage]) { lock.withLock { seen.formUnion(messages.map(\.envelope.id)) } }
    var ids: Set<UUID> { lock.withLock { seen } }
}
