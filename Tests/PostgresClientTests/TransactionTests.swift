import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("transactions and savepoints", .timeLimit(.minutes(2)))
struct TransactionTests {
    struct Refused: Error {}

    @Test("a unique violation reports uniqueViolation and the constraint's name")
    func uniqueViolation() async throws {
        try await withTestClient { client in
            try await client.query("CREATE TABLE users (id int8 PRIMARY KEY, email text CONSTRAINT users_email_key UNIQUE)")
            try await client.query("INSERT INTO users VALUES (\(1), \("a@example.com"))")
            let error = await expectPostgresError {
                try await client.query("INSERT INTO users VALUES (\(2), \("a@example.com"))")
            }
            #expect(error?.code == .server)
            #expect(error?.sqlState == .uniqueViolation)
            #expect(error?.constraint == "users_email_key")
            #expect(error?.table == "users")
            #expect(error?.detail?.contains("a@example.com") == true)
            #expect(error?.isRetryable == false)
        }
    }

    @Test("other constraint violations carry their own SQLSTATE")
    func constraintKinds() async throws {
        try await withTestClient { client in
            try await client.query("CREATE TABLE parents (id int8 PRIMARY KEY)")
            try await client.query(
                "CREATE TABLE kids (id int8, parent int8 REFERENCES parents, age int4 NOT NULL CHECK (age >= 0))"
            )
            let foreign = await expectPostgresError { try await client.query("INSERT INTO kids VALUES (\(1), \(99), \(Int32(3)))") }
            #expect(foreign?.sqlState == .foreignKeyViolation)
            let notNull = await expectPostgresError { try await client.query("INSERT INTO kids VALUES (\(1), \(Int?.none), \(Int32?.none))") }
            #expect(notNull?.sqlState == .notNullViolation)
            #expect(notNull?.column == "age")
            let check = await expectPostgresError { try await client.query("INSERT INTO kids VALUES (\(1), \(Int?.none), \(Int32(-1)))") }
            #expect(check?.sqlState == .checkViolation)
        }
    }

    @Test("a thrown error in withTransaction rolls everything back and is rethrown")
    func thrownErrorRollsBack() async throws {
        try await withTestClient { client in
            try await client.query("CREATE TABLE t (v text)")
            await #expect(throws: Refused.self) {
                try await client.withTransaction { tx in
                    try await tx.query("INSERT INTO t VALUES (\("gone"))")
                    throw Refused()
                }
            }
            let count = try await client.query("SELECT count(*) FROM t").decodeColumn(Int.self)
            #expect(count == [0])
        }
    }

    @Test("a committed transaction keeps its work and returns the body's value")
    func commitKeepsWork() async throws {
        try await withTestClient { client in
            try await client.query("CREATE TABLE t (v text)")
            let value = try await client.withTransaction(isolationLevel: .serializable) { tx in
                try await tx.query("INSERT INTO t VALUES (\("kept"))")
                return try await tx.query("SELECT current_setting('transaction_isolation')").decodeColumn(String.self)
            }
            #expect(value == ["serializable"])
            let stored = try await client.query("SELECT v FROM t").decodeColumn(String.self)
            #expect(stored == ["kept"])
        }
    }

    @Test("rolling back to a savepoint keeps the earlier work of the transaction")
    func savepointKeepsEarlierWork() async throws {
        try await withTestClient { client in
            try await client.query("CREATE TABLE t (v text PRIMARY KEY)")
            try await client.withTransaction { tx in
                try await tx.query("INSERT INTO t VALUES (\("first"))")
                // A failing statement inside the savepoint: undone, the transaction carries on.
                let duplicate = await expectPostgresError {
                    try await tx.withSavepoint { inner in
                        try await inner.query("INSERT INTO t VALUES (\("second"))")
                        try await inner.query("INSERT INTO t VALUES (\("first"))")
                    }
                }
                #expect(duplicate?.sqlState == .uniqueViolation)
                // A thrown Swift error inside a nested savepoint: only the inner work is undone.
                try await tx.withSavepoint { outer in
                    try await outer.query("INSERT INTO t VALUES (\("third"))")
                    await #expect(throws: Refused.self) {
                        try await outer.withSavepoint { inner in
                            try await inner.query("INSERT INTO t VALUES (\("fourth"))")
                            throw Refused()
                        }
                    }
                }
                try await tx.query("INSERT INTO t VALUES (\("fifth"))")
            }
            let stored = try await client.query("SELECT v FROM t ORDER BY v").decodeColumn(String.self)
            #expect(stored == ["fifth", "first", "third"])
        }
    }

    @Test("a failed statement swallowed by the body makes COMMIT a transactionAborted error")
    func swallowedFailureIsNotCommitted() async throws {
        try await withTestClient { client in
            try await client.query("CREATE TABLE t (v int8 PRIMARY KEY)")
            let error = await expectPostgresError {
                try await client.withTransaction { tx in
                    try await tx.query("INSERT INTO t VALUES (\(1))")
                    _ = try? await tx.query("INSERT INTO t VALUES (\(1))")
                }
            }
            #expect(error?.code == .transactionAborted)
            let count = try await client.query("SELECT count(*) FROM t").decodeColumn(Int.self)
            #expect(count == [0])
        }
    }

    @Test("a connection left inside a transaction is rolled back before it is lent again")
    func leftOpenTransactionIsCleaned() async throws {
        try await withTestClient(poolSize: 1) { client in
            try await client.query("CREATE TABLE t (v int8)")
            try await client.withConnection { connection in
                try await connection.query("BEGIN")
                try await connection.query("INSERT INTO t VALUES (\(1))")
            }
            // Same session (pool of one); inside the old transaction its own insert would be visible.
            let count = try await client.query("SELECT count(*) FROM t").decodeColumn(Int.self)
            #expect(count == [0])
            let fresh = try await client.withConnection { connection in
                try await connection.withTransaction { tx in
                    try await tx.query("INSERT INTO t VALUES (\(2))")
                }
                return try await connection.query("SELECT v FROM t").decodeColumn(Int.self)
            }
            #expect(fresh == [2])
        }
    }

    @Test("cancelling the task cancels the running statement and the connection stays usable")
    func cancellation() async throws {
        try await withTestClient(poolSize: 1) { client in
            let sleeper = Task { try await client.query("SELECT pg_sleep(30)") }
            try await Task.sleep(for: .milliseconds(300))
            let started = ContinuousClock.now
            sleeper.cancel()
            let error = await expectPostgresError { _ = try await sleeper.value }
            #expect(error?.code == .queryCanceled)
            #expect(ContinuousClock.now - started < .seconds(5))
            let after = try await client.query("SELECT \(7)").decodeColumn(Int.self)
            #expect(after == [7])
        }
    }
}

@Suite("cancellation", .timeLimit(.minutes(2)))
struct CancellationTests {
    @Test("a cancelled task's late cancel request never reaches the next borrower's statement")
    func lateCancelDoesNotLeak() async throws {
        try await withTestClient(poolSize: 1) { client in
            for _ in 0..<30 {
                let quick = Task { try await client.query("SELECT \(1)") }
                quick.cancel()
                _ = try? await quick.value
                // The next statement on the same (only) connection must not be cancelled.
                let slow = try await client.query("SELECT \(2) FROM pg_sleep(0.02)").decodeColumn(Int.self)
                #expect(slow == [2])
            }
        }
    }

    @Test("a cancel request the server takes before its backend has read the statement is sent again, and the statement stops")
    func cancelBeforeTheBackendReads() async throws {
        try await withTestClient(poolSize: 1) { client in
            let backend = pid_t(try await client.query("SELECT pg_backend_pid()").decodeColumn(Int32.self)[0])
            // A stopped backend reads nothing: the statement waits in its socket, and a cancel
            // request sent meanwhile is taken on resuming, while it still reads, and ignored.
            kill(backend, SIGSTOP)
            var stopped = true
            defer { if stopped { kill(backend, SIGCONT) } }
            let sleeper = Task { try await client.query("SELECT pg_sleep(30)") }
            try await Task.sleep(for: .seconds(1))  // the statement is sent
            sleeper.cancel()
            try await Task.sleep(for: .seconds(1))  // the first cancel request reached the server
            kill(backend, SIGCONT)
            stopped = false
            let resumed = ContinuousClock.now
            let error = await expectPostgresError { _ = try await sleeper.value }
            #expect(error?.code == .queryCanceled)
            #expect(ContinuousClock.now - resumed < .seconds(10))
            #expect(try await client.query("SELECT \(7)").decodeColumn(Int.self) == [7])
        }
    }

    @Test("a statement whose task was cancelled while waiting for the thread is not run")
    func cancelledBeforeStart() async throws {
        try await withTestClient(poolSize: 1) { client in
            try await client.query("CREATE TABLE t (v int8)")
            let observer = PostgresClient(configuration: client.configuration)
            defer { Task { await observer.close() } }
            try await client.withConnection { connection in
                // Long enough to still hold the thread when the queued statement is cancelled,
                // however slowly a loaded machine gets there.
                let blocker = Task { try await connection.query("SELECT pg_sleep(5)") }
                // Wait until the blocker really holds the connection's thread (timing guesses
                // failed on a loaded machine), then queue the statement behind it.
                let deadline = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < deadline {
                    let sleeping = try await observer.query(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE \("SELECT pg_sleep%")"
                    ).decodeColumn(Int.self)
                    if sleeping != [0] { break }
                    try await Task.sleep(for: .milliseconds(10))
                }
                let queued = Task { try await connection.query("INSERT INTO t VALUES (\(1))") }
                try await Task.sleep(for: .milliseconds(50))
                queued.cancel()
                let error = await expectPostgresError { _ = try await queued.value }
                #expect(error?.code == .queryCanceled)
                _ = try await blocker.value
            }
            let count = try await client.query("SELECT count(*) FROM t").decodeColumn(Int.self)
            #expect(count == [0])
        }
    }
}
