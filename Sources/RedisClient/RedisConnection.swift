import ClientSupport
import Logging

/// One Redis connection of its own, for blocking reads such as `XREADGROUP … BLOCK`.
///
/// Commands still pipeline when sent concurrently, but a blocking read holds the
/// connection until it returns. Cancelling the task of a blocking read wakes it at once
/// (the connection reconnects on its next command). After a dropped connection the next
/// command reconnects, retrying within the reconnect budget.
public final class RedisConnection: RedisCommandSender {
    public let configuration: RedisConfiguration
    private let connection: PipelinedConnection

    private init(configuration: RedisConfiguration, connection: PipelinedConnection) {
        self.configuration = configuration
        self.connection = connection
    }

    /// Connects now, with a single attempt: a wrong address or password throws
    /// `.connectionFailed` here.
    public static func connect(configuration: RedisConfiguration, logger: Logger? = nil) async throws -> RedisConnection {
        try await connect(configuration: configuration, logger: logger, threadName: "redis-dedicated")
    }

    /// Connects a connection that lives on `thread`, which stays the caller's to shut down. A task
    /// that prefers `thread` as its executor sends on it in place, with no hop to another thread
    /// and back; any other caller hops to `thread` as usual.
    public static func connect(configuration: RedisConfiguration, logger: Logger? = nil, on thread: OwnedThread) async throws -> RedisConnection {
        try await connect(configuration: configuration, logger: logger, threadName: "redis-dedicated", thread: thread)
    }

    static func connect(configuration: RedisConfiguration, logger: Logger?, threadName: String, thread: OwnedThread? = nil) async throws -> RedisConnection {
        try configuration.validate()
        let connection = PipelinedConnection(
            configuration: configuration,
            logger: logger ?? .redisNoOp,
            name: threadName,
            interruptsOnCancel: true,
            thread: thread
        )
        do {
            try await connection.connect()
        } catch {
            await connection.close()
            throw error
        }
        return RedisConnection(configuration: configuration, connection: connection)
    }

    public func send(_ command: RedisCommand) async throws -> RedisReply {
        try await connection.send(command)
    }

    public func pipeline(_ commands: [RedisCommand]) async throws -> [Result<RedisReply, RedisError>] {
        try await connection.submit(commands)
    }

    /// Closes the connection: queued commands fail with `.clientClosed`, a blocking read
    /// in flight is woken and fails with `.clientClosed`.
    public func close() async {
        await connection.close()
    }
}
