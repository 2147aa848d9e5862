import CLibpq

extension LibpqConnection {
    /// Runs one statement with the extended protocol: binds and results in binary format.
    func executeOnThread(_ query: PostgresQuery) throws -> PostgresRows {
        try ensureUsable()
        guard let handle else { throw PostgresError(code: .connectionLost, message: "no session") }
        let result = query.binds.withLibpqParameters { count, types, values, lengths, formats in
            PQexecParams(handle, query.sql, count, types, values, lengths, formats, 1)
        }
        defer { if let result { PQclear(result) } }
        return try rowsOrThrow(result, handle)
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
