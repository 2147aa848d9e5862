import CLibpq

extension LibpqConnection {
    /// Runs one statement with the extended protocol: binds and results in binary format,
    /// through a named prepared statement of this session (prepared on first use).
    func executeOnThread(_ query: PostgresQuery) throws -> PostgresRows {
        try ensureUsable()
        guard let handle else { throw PostgresError(code: .connectionLost, message: "no session") }
        let wasInTransaction = isInTransaction
        let key = PreparedStatements.Key(sql: query.sql, types: query.binds.types)
        let outcome = executePrepared(query, key: key, handle)
        if case .failure(let error) = outcome, PreparedStatements.isStale(error), preparedStatements.name(for: key) != nil {
            preparedStatements.forget(key)
            // Outside a transaction nothing was affected by the failure: run it again, unnamed.
            // Inside one the transaction is now aborted, so the error is the caller's.
            if !wasInTransaction { return try executeUnnamed(query, handle).get() }
        }
        return try outcome.get()
    }

    private func executePrepared(_ query: PostgresQuery, key: PreparedStatements.Key, _ handle: OpaquePointer) -> Result<PostgresRows, PostgresError> {
        var name = preparedStatements.name(for: key)
        if name == nil, let fresh = preparedStatements.reserveName(for: key) {
            let prepared = PQprepare(handle, fresh, query.sql, Int32(query.binds.count), query.binds.types)
            defer { if let prepared { PQclear(prepared) } }
            guard let prepared, PQresultStatus(prepared) == PGRES_COMMAND_OK else {
                preparedStatements.forget(key)
                return outcome(of: prepared, handle)
            }
            name = fresh
        }
        guard let name else { return executeUnnamed(query, handle) }
        let result = query.binds.withLibpqParameters { count, _, values, lengths, formats in
            PQexecPrepared(handle, name, count, values, lengths, formats, 1)
        }
        defer { if let result { PQclear(result) } }
        return outcome(of: result, handle)
    }

    private func executeUnnamed(_ query: PostgresQuery, _ handle: OpaquePointer) -> Result<PostgresRows, PostgresError> {
        let result = query.binds.withLibpqParameters { count, types, values, lengths, formats in
            PQexecParams(handle, query.sql, count, types, values, lengths, formats, 1)
        }
        defer { if let result { PQclear(result) } }
        return outcome(of: result, handle)
    }

    /// Runs trusted SQL with the simple protocol: several statements may share one string,
    /// results come back as text and are not decoded. Returns the last command tag.
    @discardableResult
    func executeSimpleOnThread(_ sql: String) throws -> String {
        try ensureUsable()
        guard let handle else { throw PostgresError(code: .connectionLost, message: "no session") }
        let result = PQexec(handle, sql)
        defer { if let result { PQclear(result) } }
        return try rowsOrThrow(result, handle).commandTag
    }

    /// Turns one statement's result into rows, or into the error to throw.
    func rowsOrThrow(_ result: OpaquePointer?, _ handle: OpaquePointer) throws -> PostgresRows {
        switch outcome(of: result, handle) {
        case .success(let rows): return rows
        case .failure(let error): throw error
        }
    }

    func outcome(of result: OpaquePointer?, _ handle: OpaquePointer) -> Result<PostgresRows, PostgresError> {
        guard let result else {
            let error = PostgresError(code: .connectionLost, message: Self.errorMessage(handle))
            return .failure(afterStatement(handle, error: error) ?? error)
        }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE:
            let rows = LibpqResult.rows(from: result)
            if let error = afterStatement(handle, error: nil) { return .failure(error) }
            return .success(rows)
        case PGRES_FATAL_ERROR:
            let error = LibpqResult.error(from: result)
            return .failure(afterStatement(handle, error: error) ?? error)
        case PGRES_PIPELINE_ABORTED:
            return .failure(PostgresError(
                code: .pipelineAborted,
                message: "not run: an earlier statement in the pipeline failed"
            ))
        default:
            let status = String(cString: PQresStatus(PQresultStatus(result)))
            return .failure(PostgresError(code: .protocol, message: "unsupported result status \(status)"))
        }
    }
}
