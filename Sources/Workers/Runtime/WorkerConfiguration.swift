import Contracts
import Foundation

/// How a worker connects and paces itself. Every field has a flag in the executables and an
/// environment variable (named beside it) as fallback.
public struct WorkerConfiguration: Sendable {
    /// `REDIS_URL`
    public var redisURL: String = "redis://127.0.0.1:6379/0"
    /// `DATABASE_URL`
    public var databaseURL: String = "postgresql://postgres@127.0.0.1:5432/ticketing"
    /// `KEY_PREFIX`: every Redis key the fleet uses starts with it.
    public var keyPrefix: String = KeySpace.defaultPrefix
    /// `BATCH_SIZE`: entries read per `XREADGROUP`, handled in one transaction.
    public var batchSize: Int = 100
    /// `CONCURRENCY`: consumer loops in this process, each reading and handling its own batches
    /// on its own Redis and Postgres connections. One keeps a service's entries in stream order
    /// within the process; more overlap one batch's commit with the next batch's work, as more
    /// processes would (the group splits entries between loops the same way).
    public var concurrency: Int = 1
    public static let concurrencyRange = 1...64
    /// `EVENT_LINGER_MS`: after a read of events that did not fill a batch, how long a loop
    /// reading only events waits before its next read, so that what arrives meanwhile shares one
    /// transaction and one settle (as a Kafka producer's linger does). Nobody waits on an event
    /// the way a request waits on its command's reply, so this trades a little of an event's
    /// lag for the fixed cost of a batch, which at moderate load is most of its CPU. Loops
    /// reading commands never linger. 0 turns it off.
    public var eventLinger: Duration = .milliseconds(5)
    /// `BLOCK_MS`: how long one read waits for entries. Bounded so that shutdown is prompt.
    public var block: Duration = .seconds(2)
    /// `ACK_WAIT_MS`: how long an entry may stay unacknowledged before another consumer takes it.
    public var ackWait: Duration = .seconds(30)
    /// `MAX_DELIVERIES`: deliveries after which an entry goes to the dead-letter stream.
    public var maxDeliveries: Int = 10
    /// `CONSUMER_NAME`: unique per process; defaults to host, pid and a random suffix.
    public var consumerName: String = WorkerConfiguration.defaultConsumerName()
    /// The first retry of a failed entry waits this long; each later one twice as long, up to `ackWait`.
    public var retryBase: Duration = .milliseconds(200)
    /// How often pending entries are scanned for retries, take-overs and dead letters.
    public var redeliveryInterval: Duration = .seconds(1)
    /// `OUTBOX_POLL_MS`: how often the relay looks for outbox rows the worker did not publish.
    public var outboxPollInterval: Duration = .seconds(1)
    /// `OUTBOX_RETENTION_S`: how long published outbox rows and inbox rows are kept.
    public var retention: Duration = .seconds(7 * 24 * 3600)
    /// `STREAM_KEEP_ENTRIES`: the fewest entries automatic trimming leaves in a stream, for
    /// people to look at; trimming never removes what a consumer group still needs.
    public var streamKeepEntries: Int = 1_000
    /// `STREAM_KEEP_SECONDS`: entries younger than this are never trimmed (0: no age floor).
    public var streamKeepAge: Duration = .zero
    /// `STREAM_TRIM_MS`: how often each stream this service reads is trimmed.
    public var streamTrimInterval: Duration = .seconds(1)
    /// `DATABASE_POOL_SIZE`: database connections of the process. Each consumer loop holds one of
    /// its own; the rest are shared by the relay, redelivery and the service's loops. Never fewer
    /// than `2 * concurrency + 2` (a service that reads commands and events runs `concurrency`
    /// loops for each), so at least two are shared.
    public var databasePoolSize: Int = 4
    /// `METRICS_PORT`: where `/metrics`, `/healthz` and `/readyz` are served; nil serves none,
    /// 0 takes any free port (logged at start-up).
    public var metricsPort: Int?
    /// `METRICS_HOST`: the address those endpoints listen on (0.0.0.0 in a container).
    public var metricsHost: String = "127.0.0.1"
    /// How long shutdown waits for the batch in flight and the relay's last flush.
    public var shutdownGrace: Duration = .seconds(10)
    /// `OUTBOX_STALE_MS`: how long a committed event may stay unpublished before the relay
    /// publishes it (the worker publishes its own events right after each commit; this is for
    /// a worker that died, or a Redis that failed, in between).
    public var outboxStaleAfter: Duration = .seconds(5)

    public init() {}

    /// The defaults, overridden by whichever environment variables are set.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> WorkerConfiguration {
        var configuration = WorkerConfiguration()
        try configuration.apply(environment: environment)
        return configuration
    }

    /// Overrides fields with the environment variables that are set.
    public mutating func apply(environment: [String: String]) throws {
        func integer(_ name: String, range: ClosedRange<Int>) throws -> Int? {
            guard let raw = environment[name], !raw.isEmpty else { return nil }
            guard let value = Int(raw), range.contains(value) else {
                throw ConfigurationError("\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), not \(raw)")
            }
            return value
        }
        if let value = environment["REDIS_URL"], !value.isEmpty { redisURL = value }
        if let value = environment["DATABASE_URL"], !value.isEmpty { databaseURL = value }
        if let value = environment["KEY_PREFIX"], !value.isEmpty { keyPrefix = value }
        if let value = environment["CONSUMER_NAME"], !value.isEmpty { consumerName = value }
        if let value = try integer("BATCH_SIZE", range: 1...10_000) { batchSize = value }
        if let value = try integer("CONCURRENCY", range: Self.concurrencyRange) { concurrency = value }
        if let value = try integer("BLOCK_MS", range: 1...60_000) { block = .milliseconds(value) }
        if let value = try integer("EVENT_LINGER_MS", range: 0...1_000) { eventLinger = .milliseconds(value) }
        if let value = try integer("ACK_WAIT_MS", range: 10...86_400_000) { ackWait = .milliseconds(value) }
        if let value = try integer("MAX_DELIVERIES", range: 1...1_000) { maxDeliveries = value }
        if let value = try integer("OUTBOX_POLL_MS", range: 1...600_000) { outboxPollInterval = .milliseconds(value) }
        if let value = try integer("OUTBOX_STALE_MS", range: 0...3_600_000) { outboxStaleAfter = .milliseconds(value) }
        if let value = try integer("OUTBOX_RETENTION_S", range: 1...31_536_000) { retention = .seconds(value) }
        if let value = try integer("STREAM_KEEP_ENTRIES", range: 0...1_000_000_000) { streamKeepEntries = value }
        if let value = try integer("STREAM_KEEP_SECONDS", range: 0...31_536_000) { streamKeepAge = .seconds(value) }
        if let value = try integer("STREAM_TRIM_MS", range: 10...3_600_000) { streamTrimInterval = .milliseconds(value) }
        if let value = try integer("DATABASE_POOL_SIZE", range: 2...200) { databasePoolSize = value }
        if let value = try integer("METRICS_PORT", range: 0...65_535) { metricsPort = value }
        if let value = environment["METRICS_HOST"], !value.isEmpty { metricsHost = value }
        try validate()
    }

    /// Refuses combinations that would break delivery: a read that blocks longer than the ack
    /// wait would let entries be taken over while their first consumer still works on them.
    public func validate() throws {
        guard !keyPrefix.isEmpty, !keyPrefix.contains(where: \.isWhitespace) else {
            throw ConfigurationError("KEY_PREFIX must be non-empty and without spaces")
        }
        guard !consumerName.isEmpty, !consumerName.contains(where: \.isWhitespace) else {
            throw ConfigurationError("CONSUMER_NAME must be non-empty and without spaces")
        }
        guard Self.concurrencyRange.contains(concurrency) else {
            throw ConfigurationError("CONCURRENCY must be a whole number in \(Self.concurrencyRange), not \(concurrency)")
        }
        guard block < ackWait else {
            throw ConfigurationError("BLOCK_MS (\(block)) must be shorter than ACK_WAIT_MS (\(ackWait))")
        }
    }

    public var keys: KeySpace { KeySpace(prefix: keyPrefix) }

    /// The connections the worker opens at most: one for each consumer loop (`concurrency` for
    /// commands and as many for events), and a shared pool of the rest, at least two, for the
    /// relay, redelivery and the service's loops.
    public var effectiveDatabasePoolSize: Int { max(databasePoolSize, 2 * concurrency + 2) }

    public static func defaultConsumerName() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
    }
}

/// A configuration value that cannot work; the message says which and why.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
