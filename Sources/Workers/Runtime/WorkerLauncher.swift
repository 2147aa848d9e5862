import ArgumentParser
import Foundation
import Logging
import Observability
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
    @Option(name: .customLong("concurrency"), help: "Consumer loops in this process (CONCURRENCY, default 1).")
    public var concurrency: Int?
    @Option(name: .customLong("block-ms"), help: "How long one read waits, in ms (BLOCK_MS).")
    public var blockMilliseconds: Int?
    @Option(name: .customLong("ack-wait-ms"), help: "Idle ms before another consumer takes an entry over (ACK_WAIT_MS).")
    public var ackWaitMilliseconds: Int?
    @Option(name: .customLong("max-deliveries"), help: "Deliveries before an entry is dead-lettered (MAX_DELIVERIES).")
    public var maxDeliveries: Int?
    @Option(name: .customLong("consumer-name"), help: "This process's name in its consumer groups (CONSUMER_NAME).")
    public var consumerName: String?
    @Option(name: .customLong("metrics-port"), help: "Port of /metrics, /healthz and /readyz; 0 for any free one (METRICS_PORT; unset serves none).")
    public var metricsPort: Int?
    @Option(name: .customLong("metrics-host"), help: "Address those endpoints listen on (METRICS_HOST, default 127.0.0.1).")
    public var metricsHost: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (LOG_LEVEL).")
    public var logLevel: String?
    @Option(name: .customLong("log-format"), help: "text or json (LOG_FORMAT, default text).")
    public var logFormat: String?

    public init() {}

    /// The service's `defaults` first, then the environment, then the flags given on the
    /// command line on top.
    public func configuration(
        environment: [String: String] = ProcessInfo.processInfo.environment, defaults: [String: String] = [:]
    ) throws -> WorkerConfiguration {
        var overrides = defaults.merging(environment) { _, set in set }
        if let redisURL { overrides["REDIS_URL"] = redisURL }
        if let databaseURL { overrides["DATABASE_URL"] = databaseURL }
        if let keyPrefix { overrides["KEY_PREFIX"] = keyPrefix }
        if let batchSize { overrides["BATCH_SIZE"] = String(batchSize) }
        if let concurrency { overrides["CONCURRENCY"] = String(concurrency) }
        if let blockMilliseconds { overrides["BLOCK_MS"] = String(blockMilliseconds) }
        if let ackWaitMilliseconds { overrides["ACK_WAIT_MS"] = String(ackWaitMilliseconds) }
        if let maxDeliveries { overrides["MAX_DELIVERIES"] = String(maxDeliveries) }
        if let consumerName { overrides["CONSUMER_NAME"] = consumerName }
        if let metricsPort { overrides["METRICS_PORT"] = String(metricsPort) }
        if let metricsHost { overrides["METRICS_HOST"] = metricsHost }
        return try WorkerConfiguration.fromEnvironment(overrides)
    }

    public func logSettings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LogSettings {
        var overrides = environment
        if let logLevel { overrides["LOG_LEVEL"] = logLevel }
        if let logFormat { overrides["LOG_FORMAT"] = logFormat }
        return try LogSettings.fromEnvironment(overrides)
    }
}

/// What every worker executable's `main` does: read the configuration, set up logging and
/// metrics, and run the worker (and its operations endpoints, when a port is set) in a
/// `ServiceGroup` that turns SIGTERM and SIGINT into a graceful shutdown.
public enum WorkerLauncher {
    /// - Parameter defaults: settings this service wants unless the environment or a flag says
    ///   otherwise, by environment name (`["BATCH_SIZE": "10"]`).
    public static func run(
        _ options: WorkerOptions,
        defaults: [String: String] = [:],
        service makeService: (WorkerConfiguration) throws -> ServiceDefinition
    ) async throws {
        let configuration = try options.configuration(defaults: defaults)
        let registry = ProcessObservability.bootstrap(try options.logSettings())
        let service = try makeService(configuration)
        let logger = Logger(label: "\(service.name)-worker")
        let worker = Worker(configuration: configuration, service: service, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let port = configuration.metricsPort {
            // First, so it stops last: probes and scrapes still answer while the worker drains.
            services.append(.init(service: OperationsServer.make(
                host: configuration.metricsHost, port: port, registry: registry, readiness: worker.readiness, logger: logger)))
        }
        services.append(.init(service: worker))
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
