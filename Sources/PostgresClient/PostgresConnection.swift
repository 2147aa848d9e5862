/// A connection borrowed from a ``PostgresClient`` inside `withConnection`. Statements on it run
/// one after another on the same session, so session state (temp tables, `SET`) carries over.
/// Do not keep it after `withConnection` returns: the pool lends it to someone else.
public struct PostgresConnection: Sendable {
    let underlying: LibpqConnection

    /// Runs one statement and returns its complete result.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await underlying.run { try $0.executeOnThread(query) }
    }

    /// Sends every statement in one round trip (libpq pipeline mode) and returns one result per
    /// statement, in order. After a failing statement the rest report `.pipelineAborted`; outside
    /// an explicit transaction the statements before it are rolled back as well, since the whole
    /// pipeline runs as one implicit transaction.
    public func pipeline(_ queries: [PostgresQuery]) async throws -> [Result<PostgresRows, PostgresError>] {
        try await underlying.run { try $0.pipelineOnThread(queries) }
    }

    /// Runs `body` in a transaction: `BEGIN`, then `COMMIT` if `body` returns, `ROLLBACK` if it
    /// throws (the error is rethrown). If a statement failed inside and `body` still returned,
    /// the transaction is rolled back and `.transactionAborted` is thrown instead of committing.
    @discardableResult
    public func withTransaction<T>(
        isolationLevel: PostgresIsolationLevel? = nil,
        readOnly: Bool = false,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresTransaction) async throws -> T
    ) async throws -> T {
        var begin = "BEGIN"
        if let isolationLevel { begin += " ISOLATION LEVEL \(isolationLevel.sql)" }
        if readOnly { begin += " READ ONLY" }
        try await underlying.run { [begin] in try $0.executeSimpleOnThread(begin) }
        let value: T
        do {
            value = try await body(PostgresTransaction(connection: self, depth: 0))
        } catch {
            await rollbackQuietly("ROLLBACK")
            throw error
        }
        try await underlying.run(cancellable: false) { connection in
            if connection.isInFailedTransaction {
                try connection.executeSimpleOnThread("ROLLBACK")
                throw PostgresError(
                    code: .transactionAborted,
                    message: "a statement in the transaction failed, so it was rolled back instead of committed"
                )
            }
            try connection.executeSimpleOnThread("COMMIT")
        }
        return value
    }

    /// Undoes work after `body` threw. Not cancellable (it is the cleanup for a cancelled task
    /// too); if it fails the pool rolls back or drops the session when the connection returns.
    func rollbackQuietly(_ sql: String) async {
        _ = try? await underlying.run(cancellable: false) { connection in
            guard connection.isInTransaction else { return }
            try connection.executeSimpleOnThread(sql)
        }
    }
}

/// How much a transaction sees of concurrent ones.
public enum PostgresIsolationLevel: Sendable, Hashable {
    case readCommitted
    case repeatableRead
    case serializable

    var sql: String {
        switch self {
        case .readCommitted: "READ COMMITTED"
        case .repeatableRead: "REPEATABLE READ"
        case .serializable: "SERIALIZABLE"
        }
    }
}

/// The inside of a transaction: statements, pipelines and savepoints on its connection.
public struct PostgresTransaction: Sendable {
    /// The connection the transaction runs on.
    public let connection: PostgresConnection
    /// How many savepoints enclose this scope; names savepoints so nested ones never collide.
    let depth: Int

    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await connection.query(query)
    }

    /// See ``PostgresConnection/pipeline(_:)``. A failing statement leaves the transaction
    /// aborted: roll back (throw from the transaction body) or use a savepoint around the pipeline.
    public func pipeline(_ queries: [PostgresQuery]) async throws -> [Result<PostgresRows, PostgresError>] {
        try await connection.pipeline(queries)
    }

    /// Runs `body` after a `SAVEPOINT`. If `body` throws, the work since the savepoint is rolled
    /// back, the earlier work of the transaction is kept, and the error is rethrown, so the
    /// caller can carry on with the transaction (one bad message does not undo a batch).
    @discardableResult
    public func withSavepoint<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresTransaction) async throws -> T
    ) async throws -> T {
        let name = "ticketing_savepoint_\(depth + 1)"
        try await connection.underlying.run { try $0.executeSimpleOnThread("SAVEPOINT \(name)") }
        let value: T
        do {
            value = try await body(PostgresTransaction(connection: connection, depth: depth + 1))
        } catch {
            await connection.rollbackQuietly("ROLLBACK TO SAVEPOINT \(name); RELEASE SAVEPOINT \(name)")
            throw error
        }
        try await connection.underlying.run(cancellable: false) { connection in
            guard !connection.isInFailedTransaction else {
                // A failed statement inside was swallowed by `body`: undo to the savepoint, as a throw would have.
                try connection.executeSimpleOnThread("ROLLBACK TO SAVEPOINT \(name); RELEASE SAVEPOINT \(name)")
                throw PostgresError(
                    code: .transactionAborted,
                    message: "a statement after the savepoint failed, so the work since it was rolled back"
                )
            }
            try connection.executeSimpleOnThread("RELEASE SAVEPOINT \(name)")
        }
        return value
    }
}
