import Contracts
import Foundation
import PostgresClient
import RedisClient
import TestSupport

/// What one runtime phase measured.
struct RuntimeResult {
    let phase: Phase
    /// Pre-loaded messages, first commit to last: steady-state throughput and queueing latency.
    let bulk: LatencyStats
    /// From spawning the workers until every pre-loaded message committed: start-up included.
    let wallSeconds: Double
    /// From spawning the workers until the outbox relay had published every event.
    let drainedSeconds: Double
    /// Messages sent at a fixed rate well below capacity: XADD to handled latency.
    let paced: LatencyStats
    let peakRSS: [Double?]
    let exitCodes: [Int32?]
    /// Where the CPU went while the pre-loaded messages were handled.
    let bulkCPU: CPUUse

    var messagesPerSecond: Double { Double(bulk.count) / bulk.spanSeconds }
}

/// Count, commit span and latency percentiles of the rows sent at or after `since`.
struct LatencyStats {
    let count: Int
    let spanSeconds: Double
    let p50Milliseconds: Double
    let p99Milliseconds: Double

    static func measure(_ database: PostgresClient, sentSince since: Date) async throws -> LatencyStats {
        let rows = try await database.query("""
            SELECT count(*)::int8,
                   extract(epoch FROM max(committed_at) - min(committed_at))::float8,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM committed_at - sent_at)::float8 * 1000),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM committed_at - sent_at)::float8 * 1000)
            FROM bench_rows WHERE sent_at >= \(since)
            """)
        let (count, span, p50, p99) = try rows[0].decode((Int64, Double?, Double?, Double?).self)
        return LatencyStats(count: Int(count), spanSeconds: span ?? 0, p50Milliseconds: p50 ?? 0, p99Milliseconds: p99 ?? 0)
    }
}

/// `run` mode: servers, a warm-up, the baseline, each runtime phase, the baseline again, the table.
func runBenchmark(_ options: RunOptions) async throws {
    var redisServer: RedisServer?
    var postgresServer: PostgresServer?
    let redisURL: String
    if let given = options.redisURL {
        redisURL = given
    } else {
        let server = try await RedisServer.start()
        redisServer = server
        redisURL = server.url
    }
    let databaseURL: String
    if let given = options.databaseURL {
        databaseURL = given
    } else {
        // Durable: fsync and synchronous_commit on, so every commit waits for the disk.
        let server = try await PostgresServer.start(durable: true)
        postgresServer = server
        databaseURL = try await server.createDatabase(named: "bench")
    }
    let redis = try await RedisClient.connect(configuration: try RedisConfiguration(url: redisURL))
    // One connection: its backend is left out of the Postgres CPU charged to the workers.
    let database = PostgresClient(configuration: try PostgresConfiguration(databaseURL, poolSize: 1, applicationName: "runtime-bench"))
    let durability = try await serverSettings(database)
    try await database.query(Bench.createTable)

    let logDirectory = NSTemporaryDirectory() + "runtime-bench-\(getpid())"
    try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
    let context = PhaseContext(
        options: options, redisURL: redisURL, databaseURL: databaseURL, redis: redis, database: database, logDirectory: logDirectory,
        servers: await ServerProcesses.find(redis: redis, database: database))

    if options.warmUpMessages > 0 {
        print("warm-up: \(options.warmUpMessages) messages through one worker, then ANALYZE …")
        try await context.warmUp(options.warmUpMessages)
    }
    // The baseline runs before and after the runtime phases (it needs the messaging tables a
    // worker creates) and the faster run counts: the host is shared, so the ratio errs low.
    var baselines: [Double] = []
    func baseline() async throws {
        print("baseline: \(options.baselineMessages) messages, one per transaction …")
        try await database.query("TRUNCATE bench_rows")
        baselines.append(try await runBaseline(
            count: options.baselineMessages, redis: redis, database: database, keys: KeySpace(prefix: TestServers.uniqueName("rbbase"))))
    }
    if options.warmUpMessages > 0 { try await baseline() }
    var results: [RuntimeResult] = []
    for phase in options.phases {
        print("runtime, \(phase): \(options.messages) pre-loaded, then \(options.pacedRate)/s for \(options.pacedSeconds) s …")
        results.append(try await context.runtimePhase(phase))
    }
    try await baseline()

    print()
    printReport(options: options, durability: durability, baselines: baselines, results: results)

    await redis.shutdown()
    await database.close()
    await redisServer?.stop()
    await postgresServer?.stop()
    try? FileManager.default.removeItem(atPath: logDirectory)
    if results.contains(where: { $0.exitCodes.contains { $0 != 0 } }) {
        throw UsageError("a worker did not exit 0 after SIGTERM (see the exit codes above)")
    }
}

/// The settings as the server reports them (`SHOW`), to prove what durability was measured.
func serverSettings(_ database: PostgresClient) async throws -> [(String, String)] {
    let shows: [(String, PostgresQuery)] = [
        ("fsync", "SHOW fsync"), ("synchronous_commit", "SHOW synchronous_commit"),
        ("full_page_writes", "SHOW full_page_writes"), ("wal_sync_method", "SHOW wal_sync_method"),
    ]
    var settings: [(String, String)] = []
    for (name, show) in shows {
        settings.append((name, try await database.query(show)[0].decode(String.self, at: 0)))
    }
    return settings
}

struct PhaseContext {
    let options: RunOptions
    let redisURL: String
    let databaseURL: String
    let redis: RedisClient
    let database: PostgresClient
    let logDirectory: String
    let servers: ServerProcesses

    /// One worker handles a few thousand messages, then the tables are analyzed: the state a
    /// running fleet is in, where autovacuum keeps statistics current. Without it the workers'
    /// sessions plan (and, with prepared statements, keep) their statements against empty tables:
    /// sequential scans that grow slower with every batch.
    func warmUp(_ count: Int) async throws {
        try await database.query("TRUNCATE bench_rows")
        let keys = KeySpace(prefix: TestServers.uniqueName("rbwarm"))
        try await Producer(redis: redis, stream: Bench.input(keys)).preload(count)
        let workers = try await spawnWorkers(Phase(processes: 1, loops: 1), keys: keys, label: "warm-up")
        do {
            try await waitForRows(count, workers: workers)
            try await waitForOutbox(workers: workers)
        } catch {
            await kill(workers)
            throw error
        }
        for worker in workers where await worker.stop() != 0 {
            throw UsageError("the warm-up worker did not exit 0 after SIGTERM:\n\(worker.logTail())")
        }
        _ = try await redis.del([Bench.input(keys), Bench.output(keys)])
        try await database.query("ANALYZE bench_rows, messaging.inbox, messaging.outbox")
    }

    /// Pre-loaded messages, then paced ones, through the phase's worker processes. The inbox
    /// keeps its rows across phases, as it does in production until pruned (published outbox rows
    /// are deleted as they go out).
    func runtimePhase(_ phase: Phase) async throws -> RuntimeResult {
        try await database.query("TRUNCATE bench_rows")
        let keys = KeySpace(prefix: TestServers.uniqueName("rb\(phase.processes)x\(phase.loops)"))
        let producer = Producer(redis: redis, stream: Bench.input(keys))
        try await producer.preload(options.messages)

        let clock = ContinuousClock()
        let started = clock.now
        let cpuStart = CPUSample.take(workers: [], servers: servers)
        let workers = try await spawnWorkers(phase, keys: keys, label: "\(phase.processes)x\(phase.loops)")
        do {
            try await waitForRows(options.messages, workers: workers)
            let wall = (clock.now - started).seconds
            let bulkCPU = CPUUse(from: cpuStart, to: CPUSample.take(workers: workers.map(\.pid), servers: servers), messages: options.messages)
            let bulk = try await LatencyStats.measure(database, sentSince: Date(timeIntervalSince1970: 0))
            try await waitForOutbox(workers: workers)
            let drained = (clock.now - started).seconds

            // Whole milliseconds, as occurred_at is: the first paced message must not look older than the phase.
            let pacedStart = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
            let sent = try await producer.paced(rate: options.pacedRate, for: .seconds(options.pacedSeconds))
            try await waitForRows(options.messages + sent, workers: workers)
            let paced = try await LatencyStats.measure(database, sentSince: pacedStart)

            // VmHWM is the peak over the whole life, so reading it just before the stop is enough.
            let peaks = workers.map { $0.peakRSSMegabytes() }
            var exitCodes: [Int32?] = []
            for worker in workers { exitCodes.append(await worker.stop()) }
            for (worker, code) in zip(workers, exitCodes) where code != 0 {
                print("  \(worker.consumer) exited with \(code.map(String.init) ?? "no exit (killed)"):\n\(worker.logTail())")
            }
            _ = try await redis.del([Bench.input(keys), Bench.output(keys), keys.failures(Bench.service)])
            return RuntimeResult(
                phase: phase, bulk: bulk, wallSeconds: wall, drainedSeconds: drained, paced: paced,
                peakRSS: peaks, exitCodes: exitCodes, bulkCPU: bulkCPU)
        } catch {
            await kill(workers)
            throw error
        }
    }

    /// Starts the phase's workers (this same executable), each with a consumer name of its own.
    private func spawnWorkers(_ phase: Phase, keys: KeySpace, label: String) async throws -> [WorkerProcess] {
        var workers: [WorkerProcess] = []
        do {
            for index in 1...phase.processes {
                let consumer = "bench-\(label)-\(index)"
                var arguments = [
                    "worker", "--redis-url", redisURL, "--database-url", databaseURL,
                    "--prefix", keys.prefix, "--consumer", consumer, "--parent-pid", "\(getpid())",
                ]
                if let batchSize = options.batchSize { arguments += ["--batch-size", "\(batchSize)"] }
                if phase.loops > 1 { arguments += ["--concurrency", "\(phase.loops)"] }
                workers.append(try WorkerProcess.spawn(arguments, consumer: consumer, logDirectory: logDirectory))
            }
        } catch {
            await kill(workers)
            throw error
        }
        return workers
    }

    private func kill(_ workers: [WorkerProcess]) async {
        for worker in workers { await worker.kill() }
    }

    /// Polls the row count until `target` rows are committed; fails if a worker exits or progress stalls.
    private func waitForRows(_ target: Int, workers: [WorkerProcess]) async throws {
        try await poll(what: "\(target) rows", workers: workers) {
            try await database.query("SELECT count(*)::int8 FROM bench_rows")[0].decode(Int64.self, at: 0) >= target
        }
    }

    /// Waits until the relay has published every committed event.
    private func waitForOutbox(workers: [WorkerProcess]) async throws {
        try await poll(what: "an empty outbox", workers: workers) {
            try await database.query(
                "SELECT count(*)::int8 FROM messaging.outbox WHERE service = \(Bench.service)"
            )[0].decode(Int64.self, at: 0) == 0
        }
    }

    private func poll(what: String, workers: [WorkerProcess], timeout: Duration = .seconds(300), _ done: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !done() {
            for worker in workers {
                if let code = worker.poll() {
                    throw UsageError("\(worker.consumer) exited with \(code) while waiting for \(what):\n\(worker.logTail())")
                }
            }
            guard ContinuousClock.now < deadline else { throw UsageError("timed out waiting for \(what)") }
            // Each poll counts a growing table: often enough for the wall times, rare enough to cost little.
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
