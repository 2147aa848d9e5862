import PostgresClient
import TestSupport
import Testing

@Suite("pipeline mode", .timeLimit(.minutes(2)))
struct PipelineTests {
    @Test("results come back in order, one per statement")
    func resultsInOrder() async throws {
        try await withTestClient { client in
            try await client.query("CREATE TABLE t (id int8, v text)")
            let results = try await client.pipeline([
                "INSERT INTO t VALUES (\(1), \("a"))",
                "INSERT INTO t VALUES (\(2), \("b")), (\(3), \("c"))",
                "SELECT v FROM t ORDER BY id",
                "SELECT \(42)",
            ])
            #expect(results.count == 4)
            #expect(try results[0].get().rowsAffected == 1)
            #expect(try results[1].get().rowsAffected == 2)
            #expect(try results[2].get().decodeColumn(String.self) == ["a", "b", "c"])
            #expect(try results[3].get().decodeColumn(Int.self) == [42])
        }
    }

    @Test("after a failing statement the later ones report pipelineAborted and the earlier ones roll back")
    func failureAbortsTheRest() async throws {
        try await withTestClient { client in
            try await client.query("CREATE TABLE t (id int8 PRIMARY KEY)")
            let results = try await client.pipeline([
                "INSERT INTO t VALUES (\(1))",
                "INSERT INTO t VALUES (\(1))",
                "INSERT INTO t VALUES (\(2))",
                "SELECT \(1)",
            ])
            #expect(results.count == 4)
            #expect((try? results[0].get()) != nil)
            #expect(failure(results[1])?.sqlState == .uniqueViolation)
            #expect(failure(results[2])?.code == .pipelineAborted)
            #expect(failure(results[3])?.code == .pipelineAborted)
            // One sync = one implicit transaction: the first insert was rolled back too.
            let count = try await client.query("SELECT count(*) FROM t").decodeColumn(Int.self)
            #expect(count == [0])
            // And the connection is fine for the next statement.
            let again = try await client.pipeline(["SELECT \(5)"])
            #expect(try again[0].get().decodeColumn(Int.self) == [5])
        }
    }

    @Test("a pipeline inside a transaction commits with it")
    func insideTransaction() async throws {
        try await withTestClient { client in
            try await client.query("CREATE TABLE t (id int8)")
            try await client.withTransaction { tx in
                try await tx.query("INSERT INTO t VALUES (\(0))")
                let results = try await tx.pipeline((1...100).map { "INSERT INTO t VALUES (\($0))" })
                #expect(results.allSatisfy { (try? $0.get()) != nil })
            }
            let count = try await client.query("SELECT count(*) FROM t").decodeColumn(Int.self)
            #expect(count == [101])
        }
    }

    @Test("a failing pipeline inside a transaction aborts the transaction, which then rolls back")
    func failureInsideTransaction() async throws {
        try await withTestClient { client in
            try await client.query("CREATE TABLE t (id int8 PRIMARY KEY)")
            let error = await expectPostgresError {
                try await client.withTransaction { tx in
                    try await tx.query("INSERT INTO t VALUES (\(0))")
                    let results = try await tx.pipeline(["INSERT INTO t VALUES (\(0))", "INSERT INTO t VALUES (\(1))"])
                    #expect(failure(results[0])?.sqlState == .uniqueViolation)
                    #expect(failure(results[1])?.code == .pipelineAborted)
                }
            }
            #expect(error?.code == .transactionAborted)
            let count = try await client.query("SELECT count(*) FROM t").decodeColumn(Int.self)
            #expect(count == [0])
        }
    }

    @Test("a large pipeline with large values does not deadlock")
    func largePipeline() async throws {
        try await withTestClient { client in
            let payload = String(repeating: "x", count: 64 * 1024)
            let results = try await client.pipeline((0..<200).map { _ in "SELECT \(payload)" })
            #expect(results.count == 200)
            #expect(try results.allSatisfy { try $0.get().decodeColumn(String.self) == [payload] })
        }
    }

    @Test("an empty pipeline returns no results")
    func emptyPipeline() async throws {
        try await withTestClient { client in
            let results = try await client.pipeline([])
            #expect(results.isEmpty)
        }
    }
}

func failure(_ result: Result<PostgresRows, PostgresError>) -> PostgresError? {
    if case .failure(let error) = result { return error }
    return nil
}
