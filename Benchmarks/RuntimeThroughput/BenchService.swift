import Contracts
import Foundation
import Logging
import PostgresClient
import ServiceLifecycle
import WorkerRuntime

/// The names the benchmark's producer, workers and baseline agree on.
enum Bench {
    static let service = "bench"
    static let messageType = "bench:set"
    static let eventType = "bench:done"
    static func input(_ keys: KeySpace) -> String { keys.custom("bench:in") }
    static func output(_ keys: KeySpace) -> String { keys.custom("bench:out") }

    /// One row per message id, so counting rows counts committed messages. `sent_at` is the
    /// envelope's `occurred_at` (set when the producer XADDs, millisecond precision);
    /// `committed_at` is `clock_timestamp()` when the row is written inside the batch's
    /// transaction: "handled" time, just before the COMMIT and its fsync.
    static let createTable: PostgresQuery = """
        CREATE TABLE IF NOT EXISTS bench_rows (
            id uuid PRIMARY KEY,
            version integer NOT NULL,
            value text NOT NULL,
            sent_at timestamptz NOT NULL,
            committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
        )
        """

    /// The versioned upsert both the runtime handler and the baseline run.
    static func upsert(_ envelope: Envelope) -> PostgresQuery {
        """
        INSERT INTO bench_rows (id, version, value, sent_at) VALUES (\(envelope.id), 1, \(envelope.data), \(envelope.occurredAt))
        ON CONFLICT (id) DO UPDATE SET version = bench_rows.version + 1, value = EXCLUDED.value, updated_at = clock_timestamp()
        """
    }

    /// The smallest real service: one upsert and one event per message, both in the batch's transaction.
    static func definition(_ keys: KeySpace) -> ServiceDefinition {
        var service = ServiceDefinition(name: Bench.service)
        let output = output(keys)
        service.on(messageType, in: input(keys)) { message, context in
            context.execute(upsert(message.envelope))
            context.publish(type: eventType, to: output, data: message.envelope.data)
        }
        return service
    }
}

/// `worker` mode: one Worker in a ServiceGroup, so SIGTERM drains the batch in flight and exits 0.
func runWorker(_ options: BenchWorkerOptions) async throws {
    var configuration = WorkerConfiguration()
    configuration.redisURL = options.redisURL
    configuration.databaseURL = options.databaseURL
    configuration.keyPrefix = options.prefix
    configuration.consumerName = options.consumer
    if let batchSize = options.batchSize { configuration.batchSize = batchSize }
    if let concurrency = options.concurrency { configuration.concurrency = concurrency }
    // Short reads so shutdown is prompt; a fast relay poll so the paced phase measures the runtime, not its fallback timer.
    configuration.block = .milliseconds(200)
    configuration.outboxPollInterval = .milliseconds(200)
    // The bench's stream is one of events: its loop lingers as a service's event loop does,
    // unless told otherwise (EVENT_LINGER_MS=0 measures without).
    if let linger = ProcessInfo.processInfo.environment["EVENT_LINGER_MS"].flatMap(Int.init) {
        configuration.eventLinger = .milliseconds(linger)
    }
    try configuration.validate()

    var logger = Logger(label: "runtime-bench-worker")
    logger.logLevel = .warning
    let worker = Worker(configuration: configuration, service: Bench.definition(configuration.keys), logger: logger)
    var services: [any Service] = [worker]
    if let parent = options.parentPID { services.append(ParentWatch(parent: parent)) }
    let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    try await group.run()
}

/// Stops the worker if the `run` process that spawned it dies, so a crashed benchmark leaves no
/// worker behind (it would retry a vanished Redis forever).
struct ParentWatch: Service {
    let parent: Int32

    func run() async throws {
        var signalled = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if getppid() != parent && !signalled {
                // The group turns our own SIGTERM into the same graceful shutdown as any other.
                kill(getpid(), SIGTERM)
                signalled = true
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
    }
}
