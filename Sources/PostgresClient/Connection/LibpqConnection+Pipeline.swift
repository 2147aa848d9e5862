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
        var sent = true
        for query in queries where sent {
            sent = query.binds.withLibpqParameters { count, types, values, lengths, formats in
                PQsendQueryParams(handle, query.sql, count, types, values, lengths, formats, 1)
            } == 1 && PQflush(handle) >= 0
        }
        sent = sent && PQpipelineSync(handle) == 1 && flushCompletely(handle)
        PQsetnonblocking(handle, 0)
        guard sent else { throw abandonPipeline(handle) }

        var results: [Result<PostgresRows, PostgresError>] = []
        results.reserveCapacity(queries.count)
        for _ in queries {
            let result = PQgetResult(handle)
            results.append(outcome(of: result, handle))
            if let result { PQclear(result) }
            if PQstatus(handle) != CONNECTION_OK { break }
            // Each statement's results end with a NULL before the next statement's begin.
            while let extra = PQgetResult(handle) { PQclear(extra) }
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
