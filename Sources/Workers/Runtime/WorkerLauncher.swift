import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

/// The flags every worker executable takes; each falls back to its environment variable, then
/// to the default (see ``WorkerConfiguration``).
public struct WorkerOptions: ParsableArguments {
    @Option(name: .customLong("redis-url"), help: "Redis URL (REDIS_URL).")
    public var redisURL: String?
    @Option(name: .customLong("database-url"), help: "Postgres URL or keyword string (DATABASE_URL).")
    public var databaseURL: String?
    @Option(name: .customLong("key-prefix"), help: "Prefix of every Redis key (KEY_PREFIX).")
    public var keyPrefix: String?
    @Option(name: .customLong("batch-size"), help: "Entries per read and per transaction (BATCH_SIZE).")
    public var batchSize: Int?
    @Option(name: .customLong("block-ms"), help: "How long one read waits, in ms (BLOCK_MS).")
    public var blockMilliseconds: Int?
    @Option(name: .customLong("ack-wait-ms"), help: "Idle ms before another consumer takes an entry over (ACK_WAIT_MS).")
    public var ackWaitMilliseconds: Int?
    @Option(name: .customLong("max-deliveries"), help: "Deliveries before an entry is dead-lettered (MAX_DELIVERIES).")
    public var maxDeliveries: Int?
    @Option(name: .customLong("consumer-name"), help: "This process's name in its consumer groups (CONSUMER_NAME).")
    public var consumerName: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (LOG_LEVEL).")
    public var logLevel: String?

    public init() {}

    /// Environment first, then the flags given on the command line on top.
    public func configuration(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> WorkerConfiguration {
        var overrides = environment
        if let redisURL { overrides["REDIS_URL"] = redisURL }
        if let databaseURL { overrides["DATABASE_URL"] = databaseURL }
        if let keyPrefix { overrides["KEY_PREFIX"] = keyPrefix }
        if let batchSize { overrides["BATCH_SIZE"] = String(batchSize) }
        if let blockMilliseconds { overrides["BLOCK_MS"] = String(blockMilliseconds) }
        if let ackWaitMilliseconds { overrides["ACK_WAIT_MS"] = String(ackWaitMilliseconds) }
        if let maxDeliveries { overrides["MAX_DELIVERIES"] = String(maxDeliveries) }
        if let consumerName { overrides["CONSUMER_NAME"] = consumerName }
        return try WorkerConfiguration.fromEnvironment(overrides)
    }

    public func resolvedLogLevel(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Logger.Level {
        let raw = logLevel ?? environment["LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: raw.lowercased()) else {
            throw ConfigurationError("LOG_LEVEL must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), not \(raw)")
        }
        return level
    }
}

/// What every worker executable's `main` does: read the configuration, set up logging, and run
/// the worker in a `ServiceGroup` that turns SIGTERM and SIGINT into a graceful shutdown.
public enum WorkerLauncher {
    public static func run(
        _ options: WorkerOptions,
        service makeService: (WorkerConfiguration) throws -> ServiceDefinition
    ) async throws {
        let configuration = try options.configuration()
        let level = try options.resolvedLogLevel()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        let service = try makeService(configuration)
        let logger = Logger(label: "\(service.name)-worker")
        let worker = Worker(configuration: configuration, service: service, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: worker)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
