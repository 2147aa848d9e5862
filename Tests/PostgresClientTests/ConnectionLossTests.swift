import PostgresClient
import TestSupport
import Testing

/// These tests stop and start servers of their own; the shared one is never touched.
@Suite("connection loss and recovery", .timeLimit(.minutes(3)))
struct ConnectionLossTests {
    /// A private server and a client on it; both are stopped afterwards.
    func withPrivateServer(
        poolSize: Int = 3,
        _ body: (PostgresServer, PostgresClient) async throws -> Void
    ) async throws {
        let server = try await PostgresServer.start()
        let client = PostgresClient(configuration: try PostgresConfiguration(
            server.url(database: "postgres"), poolSize: poolSize, connectTimeout: .seconds(2),
            reconnectBackoff: .init(base: .milliseconds(50), cap: .milliseconds(200)), reconnectAttempts: 3
        ))
        do {
            try await body(server, client)
        } catch {
            await client.close()
            await server.stop()
            throw error
        }
        await client.close()
        await server.stop()
    }

    /// Opens every connection of the pool, so each one has a session for the server to drop.
    func warmUp(_ client: PostgresClient, connections: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<connections {
                group.addTask { try await client.query("SELECT pg_sleep(0.1)") }
            }
            try await group.waitForAll()
        }
    }

    @Test("a restart mid-query fails that query with connectionLost and the same pool works afterwards")
    func restartMidQuery() async throws {
        try await withPrivateServer { server, client in
            try await warmUp(client, connections: 3)
            let inFlight = Task { try await client.query("SELECT pg_sleep(30)") }
            // Restarted once the query is running at the server, not after a guessed pause.
            let deadline = ContinuousClock.now + .seconds(20)
            while try await client.query("""
                SELECT count(*)::int8 FROM pg_stat_activity WHERE state = 'active' AND query = 'SELECT pg_sleep(30)'
                """).decodeColumn(Int.self) != [1] {
                guard ContinuousClock.now < deadline else { throw CancellationError() }
                try await Task.sleep(for: .milliseconds(20))
            }
            try await server.restart()
            let error = await expectPostgresError { _ = try await inFlight.value }
            #expect(error?.code == .connectionLost)
            #expect(error?.isTransient == true)
            #expect(error?.isRetryable == true)
            // Every pooled connection (the broken one and the idle ones) reconnects on its own.
            for round in 0..<6 {
                let value = try await client.query("SELECT \(round)").decodeColumn(Int.self)
                #expect(value == [round])
            }
            try await warmUp(client, connections: 3)
        }
    }

    @Test("a connection lost inside a transaction fails the transaction and is not reused dirty")
    func lostInsideTransaction() async throws {
        try await withPrivateServer(poolSize: 1) { server, client in
            try await client.query("CREATE TABLE t (v int8)")
            let error = await expectPostgresError {
                try await client.withTransaction { tx in
                    try await tx.query("INSERT INTO t VALUES (\(1))")
                    try await server.restart()
                    // Must not run on a fresh session outside the transaction.
                    try await tx.query("INSERT INTO t VALUES (\(2))")
                    Issue.record("a statement ran after its transaction was lost")
                }
            }
            #expect(error?.code == .connectionLost)
            let rows = try await client.query("SELECT v FROM t").decodeColumn(Int.self)
            #expect(rows == [])
            try await client.withTransaction { tx in try await tx.query("INSERT INTO t VALUES (\(3))") }
            let after = try await client.query("SELECT v FROM t").decodeColumn(Int.self)
            #expect(after == [3])
        }
    }

    @Test("a killed server gives typed errors, never a crash, and the pool recovers when it is back")
    func killedServer() async throws {
        try await withPrivateServer { server, client in
            try await warmUp(client, connections: 3)
            await server.kill()
            for _ in 0..<3 {
                let error = await expectPostgresError { try await client.query("SELECT 1") }
                #expect(error?.isTransient == true)
            }
            let pipelined = await expectPostgresError {
                for result in try await client.pipeline(["SELECT 1", "SELECT 2"]) { _ = try result.get() }
            }
            #expect(pipelined?.isTransient == true)
            try await server.start()
            for round in 0..<4 {
                let value = try await client.query("SELECT \(round)").decodeColumn(Int.self)
                #expect(value == [round])
            }
            let results = try await client.pipeline(["SELECT \(1)", "SELECT \(2)"])
            #expect(try results.map { try $0.get().decodeColumn(Int.self) } == [[1], [2]])
        }
    }
}
