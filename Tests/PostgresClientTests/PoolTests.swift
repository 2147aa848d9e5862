@testable import PostgresClient
import TestSupport
import Testing

@Suite("connection pool", .timeLimit(.minutes(2)))
struct PoolTests {
    @Test("100 concurrent transactions incrementing one counter add up exactly")
    func concurrentIncrements() async throws {
        try await withTestClient(poolSize: 4) { client in
            try await client.query("CREATE TABLE counter (id int4 PRIMARY KEY, n int8 NOT NULL)")
            try await client.query("INSERT INTO counter VALUES (\(Int32(1)), \(0))")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        try await client.withTransaction { tx in
                            let current = try await tx.query("SELECT n FROM counter WHERE id = 1 FOR UPDATE").decodeColumn(Int.self)
                            try await tx.query("UPDATE counter SET n = \(current[0] + 1) WHERE id = 1")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let total = try await client.query("SELECT n FROM counter").decodeColumn(Int.self)
            #expect(total == [100])
            // No more than the pool size was ever opened.
            let sessions = try await client.query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            ).decodeColumn(Int.self)
            #expect(sessions[0] <= 4)
        }
    }

    @Test("more tasks than connections wait their turn and all finish")
    func moreTasksThanConnections() async throws {
        try await withTestClient(poolSize: 2) { client in
            let started = ContinuousClock.now
            let values = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        try await client.query("SELECT \(index) FROM pg_sleep(0.1)").decodeColumn(Int.self)[0]
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(values.sorted() == Array(0..<10))
            // Two at a time: at least five rounds of 100 ms.
            #expect(ContinuousClock.now - started >= .milliseconds(500))
        }
    }

    @Test("close fails the borrowers still waiting with clientClosed")
    func closeFailsWaiters() async throws {
        let url = try await TestServers.postgres().createDatabase()
        let client = PostgresClient(configuration: try PostgresConfiguration(url, poolSize: 1))
        let observer = PostgresClient(configuration: try PostgresConfiguration(url, poolSize: 1))
        let holder = Task { try await client.query("SELECT pg_sleep(3)") }
        try await awaitActive("SELECT pg_sleep(3)", seenBy: observer)
        let waiter = Task { try await client.query("SELECT 1") }
        try await awaitWaiters(1, in: client)
        await client.close()
        let error = await expectPostgresError { _ = try await waiter.value }
        #expect(error?.code == .clientClosed)
        _ = try await holder.value
        let late = await expectPostgresError { try await client.query("SELECT 1") }
        #expect(late?.code == .clientClosed)
        await observer.close()
    }

    @Test("a waiter whose task is cancelled leaves the queue")
    func cancelledWaiterLeaves() async throws {
        try await withTestClient(poolSize: 1) { client in
            let observer = PostgresClient(configuration: client.configuration)
            let holder = Task { try await client.query("SELECT pg_sleep(3)") }
            try await awaitActive("SELECT pg_sleep(3)", seenBy: observer)
            await observer.close()
            let waiter = Task { try await client.query("SELECT 1") }
            try await awaitWaiters(1, in: client)
            waiter.cancel()
            let error = await expectPostgresError { _ = try await waiter.value }
            #expect(error?.code == .queryCanceled)
            #expect(client.pool.waiterCount == 0)
            _ = try await holder.value
            let after = try await client.query("SELECT \(3)").decodeColumn(Int.self)
            #expect(after == [3])
        }
    }
}

/// Waits until `sql` runs at the server in this database, as another session sees it.
func awaitActive(_ sql: String, seenBy observer: PostgresClient, timeout: Duration = .seconds(20)) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await observer.query("""
        SELECT count(*)::int8 FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active' AND query = \(sql)
        """).decodeColumn(Int.self) != [1] {
        guard ContinuousClock.now < deadline else { throw TestSupportError("\(sql) never ran within \(timeout)") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// Waits until `count` borrowers are queued for a connection of `client`.
func awaitWaiters(_ count: Int, in client: PostgresClient, timeout: Duration = .seconds(20)) async throws {
    let deadline = ContinuousClock.now + timeout
    while client.pool.waiterCount != count {
        guard ContinuousClock.now < deadline else { throw TestSupportError("\(count) waiters never queued within \(timeout)") }
        try await Task.sleep(for: .milliseconds(10))
    }
}
