import PostgresClient
import TestSupport
import Testing

/// Statements are prepared once per session and reused; these pin that reuse never changes results.
@Suite("prepared statement reuse", .timeLimit(.minutes(2)))
struct PreparedStatementTests {
    @Test("a reused statement still works after its table changed shape")
    func tableChangedShape() async throws {
        try await withTestClient(poolSize: 1) { client in
            try await client.query("CREATE TABLE t (a int4)")
            try await client.query("INSERT INTO t VALUES (\(Int32(1)))")
            let before = try await client.query("SELECT * FROM t")
            #expect(before.columnNames == ["a"])
            try await client.query("ALTER TABLE t ADD COLUMN b text DEFAULT 'x'")
            let after = try await client.query("SELECT * FROM t")
            #expect(after.columnNames == ["a", "b"])
            let (a, b) = try after[0].decode((Int32, String).self)
            #expect(a == 1 && b == "x")
        }
    }

    @Test("DISCARD ALL in the session does not break later statements")
    func discardAll() async throws {
        try await withTestClient(poolSize: 1) { client in
            let first = try await client.query("SELECT \(1) + 1").decodeColumn(Int.self)
            try await client.query("DISCARD ALL")
            let second = try await client.query("SELECT \(1) + 1").decodeColumn(Int.self)
            #expect(first == [2] && second == [2])
            let piped = try await client.pipeline(["SELECT \(1) + 1", "SELECT \(2) + 1"])
            #expect(try piped.map { try $0.get().decodeColumn(Int.self) } == [[2], [3]])
        }
    }

    @Test("a statement that fails to prepare reports its own error, in a pipeline too")
    func prepareErrors() async throws {
        try await withTestClient(poolSize: 1) { client in
            let plain = await expectPostgresError { try await client.query("SELECT * FROM missing_table") }
            #expect(plain?.sqlState == .undefinedTable)
            let results = try await client.pipeline(["SELECT \(1)", "SELEC 2", "SELECT \(3)"])
            #expect(try results[0].get().decodeColumn(Int.self) == [1])
            #expect(failure(results[1])?.sqlState == .syntaxError)
            #expect(failure(results[2])?.code == .pipelineAborted)
            // The same statements work afterwards, prepared or not.
            let again = try await client.pipeline(["SELECT \(1)", "SELECT \(3)"])
            #expect(try again.map { try $0.get().decodeColumn(Int.self) } == [[1], [3]])
        }
    }

    @Test("the same SQL with different bind types is a different statement")
    func bindTypesAreKeyed() async throws {
        try await withTestClient(poolSize: 1) { client in
            let wide = try await client.query(PostgresQuery("SELECT $1", binds: [Int(5)]))
            let narrow = try await client.query(PostgresQuery("SELECT $1", binds: [Int32(5)]))
            #expect(wide.columns[0].dataType == .int8)
            #expect(narrow.columns[0].dataType == .int4)
        }
    }
}
