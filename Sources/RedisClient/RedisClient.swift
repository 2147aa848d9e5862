import Logging
import Synchronization

/// A pool of Redis connections for short commands, shared by many concurrent callers.
///
/// Each command goes to the connection with the fewest queued and in-flight requests;
/// callers on the same connection share round trips (auto-pipelining). Dropped connections
/// reconnect on their next command. Use ``dedicatedConnection()`` for blocking reads
/// (`XREADGROUP … BLOCK`), which would hold up everyone else on a shared connection.
public final class RedisClient: RedisCommandSender {
    public let configuration: RedisConfiguration
    private let logger: Logger
    private let connections: [PipelinedConnection]
    private let dedicatedCount = Atomic<Int>(0)

    /// Makes a pool that connects lazily, on first use (retrying within the reconnect budget).
    /// Throws `.invalidConfiguration` for settings that cannot work.
    public init(configuration: RedisConfiguration, logger: Logger? = nil) throws {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger ?? .redisNoOp
        self.connections = (0..<configuration.poolSize).map { index in
            PipelinedConnection(
                configuration: configuration,
                logger: logger ?? .redisNoOp,
                name: "redis-pool-\(index)",
                interruptsOnCancel: false
            )
        }
    }

    /// Makes a pool and connects every connection now, with a single attempt each, so a
    /// wrong address or password fails here (`.connectionFailed`) instead of later.
    public static func connect(configuration: RedisConfiguration, logger: Logger? = nil) async throws -> RedisClient {
        let client = try RedisClient(configuration: configuration, logger: logger)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for connection in client.connections {
                    group.addTask { try await connection.connect() }
                }
                try await group.waitForAll()
            }
        } catch {
            await client.shutdown()
            throw error
        }
        return client
    }

    public func send(_ command: RedisCommand) async throws -> RedisReply {
        try await leastLoaded().send(command)
    }

    public func pipeline(_ commands: [RedisCommand]) async throws -> [Result<RedisReply, RedisError>] {
        try await leastLoaded().submit(commands)
    }

    /// A new connection of its own with the same configuration, for blocking reads.
    /// The caller owns it and closes it.
    public func dedicatedConnection() async throws -> RedisConnection {
        let number = dedicatedCount.wrappingAdd(1, ordering: .relaxed).newValue
        return try await RedisConnection.connect(configuration: configuration, logger: logger, threadName: "redis-dedicated-\(number)")
    }

    /// Fails queued commands with `.clientClosed`, lets in-flight ones finish, and closes
    /// every pooled connection. Later commands fail with `.clientClosed`.
    public func shutdown() async {
        await withTaskGroup(of: Void.self) { group in
            for connection in connections {
                group.addTask { await connection.close() }
            }
        }
    }

    /// Round trips made by the pool so far (for tests of auto-pipelining).
    var flightCount: Int {
        connections.reduce(0) { $0 + $1.flightCount }
    }

    /// The connection with the fewest queued and in-flight requests; ties go to the lowest
    /// index, so a lightly used pool keeps reusing one warm connection and thread.
    private func leastLoaded() -> PipelinedConnection {
        var best = connections[0]
        var bestLoad = best.load
        for candidate in connections.dropFirst() where bestLoad > 0 {
            let load = candidate.load
            if load < bestLoad {
                best = candidate
                bestLoad = load
            }
        }
        return best
    }
}
