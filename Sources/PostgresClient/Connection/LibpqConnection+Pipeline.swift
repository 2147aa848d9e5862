import CLibpq
import Foundation

extension LibpqConnection {
    /// Sends every statement, then one sync, then reads every result: one round trip.
    ///
    /// With one sync, a failing statement makes the ones after it report `.pipelineAborted`;
    /// outside an explicit transaction the whole pipeline is one implicit transaction, so the
    /// statements before the failure are rolled back too.
    func pipelineOnThread(_ queries: [PostgresQuery]) throws -> [Result<PostgresRows, PostgresError>] {
        try ensureUsable()
        guard !queries.isEmpty else { return [] }
        guard let handle else { throw PostgresError(code: .connectionLost, message: "no session") }
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(code: .protocol, message: Self.errorMessage(handle))
        }
        // Non-blocking while sending: libpq then reads results while it waits to write, so
        // neither side can fill its buffers and wait for the other forever.
        PQsetnonblocking(handle, 1)
        var steps: [Step] = []
        steps.reserveCapacity(queries.count)
        var sent = true
        for query in queries where sent {
            let step = plan(query)
            steps.append(step)
            sent = send(query, step, handle)
        }
        // One flush at the end: libpq already writes whenever its buffer passes 8 kB.
        sent = sent && PQpipelineSync(handle) == 1 && flushCompletely(handle)
        PQsetnonblocking(handle, 0)
        guard sent else {
            preparedStatements.removeAll()
            throw abandonPipeline(handle)
        }

        var results: [Result<PostgresRows, PostgresError>] = []
        results.reserveCapacity(queries.count)
        for step in steps {
            var prepareFailure: PostgresError?
            if case .prepareThenRun(let name, let key) = step {
                // The PREPARE's own result comes first; if it failed, that is this statement's error.
                if case .failure(let error) = nextResult(handle) {
                    prepareFailure = error
                    if preparedStatements.name(for: key) == name { preparedStatements.forget(key) }
                }
                if PQstatus(handle) != CONNECTION_OK { break }
            }
            let outcome = nextResult(handle)
            if case .failure(let error) = outcome, PreparedStatements.isStale(error), let key = step.key {
                preparedStatements.forget(key)
            }
            results.append(prepareFailure.map { .failure($0) } ?? outcome)
            if PQstatus(handle) != CONNECTION_OK { break }
        }
        if results.count < queries.count || !readSync(handle) || PQexitPipelineMode(handle) != 1 {
            let lost = abandonPipeline(handle)
            let already = results.count
            results = results.map { result in result.mapError { $0.code == .pipelineAborted ? lost : $0 } }
            results += Array(repeating: .failure(lost), count: queries.count - already)
            return results
        }
        _ = afterStatement(handle, error: nil)
        return results
    }

    /// How one statement of a pipeline is sent.
    enum Step {
        case unnamed
        case prepared(name: String, key: PreparedStatements.Key)
        case prepareThenRun(name: String, key: PreparedStatements.Key)

        var key: PreparedStatements.Key? {
            switch self {
            case .unnamed: nil
            case .prepared(_, let key), .prepareThenRun(_, let key): key
            }
        }
    }

    /// Uses the session's prepared statement, or prepares it in the same pipeline (later copies
    /// of the statement in this pipeline then use it too).
    private func plan(_ query: PostgresQuery) -> Step {
        let key = PreparedStatements.Key(sql: query.sql, types: query.binds.types)
        if let name = preparedStatements.name(for: key) { return .prepared(name: name, key: key) }
        if let name = preparedStatements.reserveName(for: key) { return .prepareThenRun(name: name, key: key) }
        return .unnamed
    }

    private func send(_ query: PostgresQuery, _ step: Step, _ handle: OpaquePointer) -> Bool {
        switch step {
        case .unnamed:
            return query.binds.withLibpqParameters { count, types, values, lengths, formats in
                PQsendQueryParams(handle, query.sql, count, types, values, lengths, formats, 1)
            } == 1
        case .prepared(let name, _):
            return query.binds.withLibpqParameters { count, _, values, lengths, formats in
                PQsendQueryPrepared(handle, name, count, values, lengths, formats, 1)
            } == 1
        case .prepareThenRun(let name, _):
            guard PQsendPrepare(handle, name, query.sql, Int32(query.binds.count), query.binds.types) == 1 else {
                return false
            }
            return send(query, .prepared(name: name, key: PreparedStatements.Key(sql: query.sql, types: [])), handle)
        }
    }

    /// One statement's result, and the NULL that ends it in pipeline mode.
    private func nextResult(_ handle: OpaquePointer) -> Result<PostgresRows, PostgresError> {
        let result = PQgetResult(handle)
        let converted = outcome(of: result, handle)
        if let result {
            PQclear(result)
            // Each statement's results end with a NULL before the next statement's begin.
            while PQstatus(handle) == CONNECTION_OK, let extra = PQgetResult(handle) { PQclear(extra) }
        }
        return converted
    }

    /// Flushes everything libpq holds, reading input meanwhile so the server never blocks on us.
    private func flushCompletely(_ handle: OpaquePointer) -> Bool {
        while true {
            switch PQflush(handle) {
            case 0: return true
            case 1:
                var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN | POLLOUT), revents: 0)
                guard poll(&descriptor, 1, -1) >= 0 || errno == EINTR else { return false }
                if descriptor.revents & Int16(POLLIN) != 0 && PQconsumeInput(handle) == 0 { return false }
            default: return false
            }
        }
    }

    private func readSync(_ handle: OpaquePointer) -> Bool {
        guard let result = PQgetResult(handle) else { return false }
        defer { PQclear(result) }
        return PQresultStatus(result) == PGRES_PIPELINE_SYNC
    }

    /// The session is in an unknown state mid-pipeline: drop it; the next use reconnects.
    private func abandonPipeline(_ handle: OpaquePointer) -> PostgresError {
        let error = PostgresError(code: .connectionLost, message: Self.errorMessage(handle))
        let lost = afterStatement(handle, error: error) ?? error
        closeSession()
        return lost
    }
}
