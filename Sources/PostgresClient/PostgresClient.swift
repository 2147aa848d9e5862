import ClientSupport
import Logging

/// A pool of Postgres connections and the entry point for using them.
///
/// ```swift
/// let client = PostgresClient(configuration: try PostgresConfiguration(databaseURL))
/// try await client.withTransaction { tx in
///     try await tx.query("INSERT INTO users (email) VALUES (\(email))")
/// }
/// ```
/// Connections open on first use; a connection whose session broke reconnects on its next use.
public final class PostgresClient: Sendable {
    public let configuration: PostgresConfiguration
    let pool: ConnectionPool
    let logger: Logger

    /// - Parameter thread: where every connection lives, staying the caller's to shut down; nil
    ///   gives each connection a thread of its own. A task that prefers `thread` as its
    ///   executor runs every statement in place, with no hop to a connection's thread and
    ///   back; any other caller hops to `thread` as usual. Meant for one consumer loop with a
    ///   pool of one.
    public init(configuration: PostgresConfiguration, logger: Logger = Logger(label: "postgres-client"), thread: OwnedThread? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.pool = ConnectionPool(configuration: configuration, logger: logger, thread: thread)
    }

    /// Lends `body` a connection for its duration; waits (in arrival order) while all are busy.
    /// A transaction `body` leaves open is rolled back before the connection is lent again.
    @discardableResult
    public func withConnection<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await pool.lease()
        do {
            let value = try await body(PostgresConnection(underlying: connection))
            await pool.release(connection)
            return value
        } catch {
            await pool.release(connection)
            throw error
        }
    }

    /// Runs one statement on any free connection.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await withConnection { try await $0.query(query) }
    }

    /// Runs the statements in one round trip on one connection; see ``PostgresConnection/pipeline(_:)``.
    public func pipeline(_ queries: [PostgresQuery]) async throws -> [Result<PostgresRows, PostgresError>] {
        try await withConnection { try await $0.pipeline(queries) }
    }

    /// Runs `body` in a transaction on one connection; see ``PostgresConnection/withTransaction(isolationLevel:readOnly:isolation:_:)``.
    @discardableResult
    public func withTransaction<T>(
        isolationLevel: PostgresIsolationLevel? = nil,
        readOnly: Bool = false,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresTransaction) async throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try await connection.withTransaction(isolationLevel: isolationLevel, readOnly: readOnly, body)
        }
    }

    /// Fails waiting borrowers with `.clientClosed` and closes idle connections; busy ones close
    /// when they come back.
    public func close() async {
        await pool.close()
    }
}
