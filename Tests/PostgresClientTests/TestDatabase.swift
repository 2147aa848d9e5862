import PostgresClient
import TestSupport
import Testing

/// A fresh database on the shared test server, and a client for it that is closed afterwards.
func withTestClient<T>(
    poolSize: Int = 4,
    _ body: (PostgresClient) async throws -> T
) async throws -> T {
    let server = try await TestServers.postgres()
    let url = try await server.createDatabase()
    let client = PostgresClient(configuration: try PostgresConfiguration(url, poolSize: poolSize))
    do {
        let value = try await body(client)
        await client.close()
        return value
    } catch {
        await client.close()
        throw error
    }
}

/// Runs `body` expecting a `PostgresError` and returns it.
func expectPostgresError(
    _ body: () async throws -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
) async -> PostgresError? {
    do {
        try await body()
        Issue.record("expected a PostgresError, nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as PostgresError {
        return error
    } catch {
        Issue.record("expected a PostgresError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
