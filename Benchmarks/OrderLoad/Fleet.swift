import Foundation
import TestSupport

/// Redis and Postgres as deployed: AOF with an fsync per write, rewritten once it reaches a
/// gigabyte, no eviction; fsync and synchronous commit on.
struct Servers {
    let redis: RedisServer
    let postgres: PostgresServer

    static func start() async throws -> Servers {
        let redis = try await RedisServer.start(extraArguments: [
            "--appendonly", "yes", "--appendfsync", "always", "--auto-aof-rewrite-min-size", "1gb",
            "--maxmemory-policy", "noeviction",
        ])
        let postgres = try await PostgresServer.start(
            durable: true, settings: StatementProfile.settings.merging(comparedSettings) { _, given in given })
        let seconds = try await WALWarmup.run(postgres)
        say(String(format: "Postgres: %d WAL segments made and recycled in %.1f s, as on a server that has been running", WALWarmup.segments, seconds))
        return Servers(redis: redis, postgres: postgres)
    }

    /// `PG_SETTINGS="name=value,…"`: Postgres settings to compare against the defaults.
    static var comparedSettings: [String: String] {
        let given = ProcessInfo.processInfo.environment["PG_SETTINGS"] ?? ""
        return Dictionary(given.split(separator: ",").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }) { _, last in last }
    }

    func stop() async {
        await redis.stop()
        await postgres.stop()
    }
}

/// The API and one copy of each worker, release builds from this executable's build folder.
/// Each is also killed at exit (TestSupport's cleanup) if the benchmark fails before `stop`.
struct Fleet {
    /// Settings passed through from the bench's own environment.
    static let tuning = ["CLIENT_SPIN_US", "CONCURRENCY", "BATCH_SIZE", "DATABASE_POOL_SIZE", "RATE_LIMITS", "EVENT_LINGER_MS", "REPLY_NOTIFY"]
    static let workers = ["auth-worker", "tickets-worker", "orders-worker", "expiration-worker", "payments-worker"]

    let processes: [ChildProcess]
    let port: Int
    let databaseURL: String

    static func launch(on servers: Servers, orderTTLSeconds: Int? = nil) async throws -> Fleet {
        let databaseURL = try await servers.postgres.createDatabase(named: "ticketing")
        let port = try BuiltProducts.freePort()
        var environment = [
            "REDIS_URL": servers.redis.url, "DATABASE_URL": databaseURL, "PORT": String(port), "HOST": "127.0.0.1",
            "JWT_KEY": "order-load-benchmark-key-of-at-least-32-bytes", "LOG_LEVEL": "warning", "PAYMENT_GATEWAY": "test",
            "BCRYPT_COST": "10",
            // A real seal key, as production runs (the API and the auth worker share it).
            "PASSWORD_SEAL_KEYS": "bench:\(Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())",
            // The limits are on, as deployed, so every order pays for its check; the two its
            // traffic would trip are raised: every account signs up from one address, and each
            // orders far more often than a person. RATE_LIMITS=off measures without them.
            "LIMIT_SIGNUP_ADDRESS": "1000000/3600", "LIMIT_ORDERS_USER": "1000000000/900",
            "LIMIT_PAYMENTS_USER": "1000000000/3600",
        ]
        if let orderTTLSeconds { environment["ORDER_TTL_SECONDS"] = String(orderTTLSeconds) }
        // Tuning given to the bench goes to every process of the fleet, to compare settings.
        for name in Self.tuning {
            if let value = ProcessInfo.processInfo.environment[name] { environment[name] = value }
        }
        let logs = try BuiltProducts.logDirectory("order-load")
        let processes = try (workers + ["api"]).map {
            try ChildProcess(name: $0, executable: BuiltProducts.path($0), environment: environment, logDirectory: logs)
        }
        return Fleet(processes: processes, port: port, databaseURL: databaseURL)
    }

    func stop() async {
        for process in processes { await process.terminate() }
    }
}
