import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("binds and results in binary format", .timeLimit(.minutes(2)))
struct ValueTests {
    @Test("every scalar type round-trips, and NULL comes back as nil")
    func scalarsRoundTrip() async throws {
        try await withTestClient { client in
            let id = UUID()
            let when = Date(timeIntervalSince1970: 1_700_000_000.123456)
            let rows = try await client.query("""
                SELECT \("héllo ✓"), \(Int16(-7)), \(Int32(123_456)), \(Int64.max), \(42), \(true), \(3.25),
                       \(id), \(when), \([UInt8]([0, 1, 255])), \(PostgresJSON(#"{"a": [1, 2]}"#)),
                       \(String?.none), \(Int?.none), \(UUID?.none), \(Date?.none)
                """)
            #expect(rows.count == 1)
            let row = rows[0]
            #expect(try row.decode(String.self, at: 0) == "héllo ✓")
            #expect(try row.decode(Int16.self, at: 1) == -7)
            #expect(try row.decode(Int32.self, at: 2) == 123_456)
            #expect(try row.decode(Int64.self, at: 3) == .max)
            #expect(try row.decode(Int.self, at: 4) == 42)
            #expect(try row.decode(Bool.self, at: 5) == true)
            #expect(try row.decode(Double.self, at: 6) == 3.25)
            #expect(try row.decode(UUID.self, at: 7) == id)
            let decodedDate = try row.decode(Date.self, at: 8)
            #expect(abs(decodedDate.timeIntervalSince(when)) < 0.000_001)
            #expect(try row.decode([UInt8].self, at: 9) == [0, 1, 255])
            let json = try row.decode(PostgresJSON.self, at: 10)
            #expect(try json.decode([String: [Int]].self) == ["a": [1, 2]])
            #expect(try row.decode(String?.self, at: 11) == nil)
            #expect(try row.decode(Int?.self, at: 12) == nil)
            #expect(try row.decode(UUID?.self, at: 13) == nil)
            #expect(try row.decode(Date?.self, at: 14) == nil)
            // The server knows each bind's type, so it reports typed columns.
            #expect(rows.columns.map(\.dataType) == [
                .text, .int2, .int4, .int8, .int8, .bool, .float8, .uuid, .timestamptz, .bytea, .jsonb,
                .text, .int8, .uuid, .timestamptz,
            ])
        }
    }

    @Test("values stored in a table come back the same, through column names and tuples")
    func tableRoundTrip() async throws {
        try await withTestClient { client in
            try await client.query("""
                CREATE TABLE things (id uuid PRIMARY KEY, name text NOT NULL, price int8, active bool,
                    created_at timestamptz, doc jsonb, blob bytea, tags text[])
                """)
            let id = UUID()
            let created = Date(timeIntervalSince1970: 1_600_000_000)
            try await client.query("""
                INSERT INTO things VALUES (\(id), \("ticket"), \(Int?.none), \(false), \(created),
                    \(try PostgresJSON(encoding: ["k": "v"])), \(Data([9, 8])), \(["a", "b"]))
                """)
            let row = try #require(try await client.query("SELECT * FROM things").first)
            #expect(try row.decode(UUID.self, column: "id") == id)
            #expect(try row.decode(String.self, column: "name") == "ticket")
            #expect(try row.decode(Int?.self, column: "price") == nil)
            #expect(try row.decode(Bool.self, column: "active") == false)
            #expect(try row.decode(Date.self, column: "created_at") == created)
            #expect(try row.decode(PostgresJSON.self, column: "doc").decode([String: String].self) == ["k": "v"])
            #expect(try row.decode(Data.self, column: "blob") == Data([9, 8]))
            #expect(try row.decode([String].self, column: "tags") == ["a", "b"])
            let tuple = try row.decode((UUID, String, Int?, Bool, Date, String, [UInt8], [String]).self)
            #expect(tuple.0 == id && tuple.1 == "ticket" && tuple.2 == nil && tuple.5 == #"{"k": "v"}"#)
        }
    }

    @Test("arrays of every supported element type round-trip, with NULL elements and empty arrays")
    func arraysRoundTrip() async throws {
        try await withTestClient { client in
            let ids = [UUID(), UUID()]
            let dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_234_567_890.5)]
            let row = try #require(try await client.query("""
                SELECT \(["x", "", "z"]), \([Int(1), -2, .max]), \([Int32(5), 6]), \(ids), \([true, false]),
                       \(dates), \([PostgresJSON("1"), PostgresJSON(#"{"a":null}"#)]), \([String?]([ "a", nil ])),
                       \([Int]()), \([2.5, -1.0]), \([Int?.none])
                """).first)
            #expect(try row.decode([String].self, at: 0) == ["x", "", "z"])
            #expect(try row.decode([Int].self, at: 1) == [1, -2, .max])
            #expect(try row.decode([Int32].self, at: 2) == [5, 6])
            #expect(try row.decode([UUID].self, at: 3) == ids)
            #expect(try row.decode([Bool].self, at: 4) == [true, false])
            #expect(try row.decode([Date].self, at: 5) == dates)
            #expect(try row.decode([PostgresJSON].self, at: 6).map(\.text) == ["1", #"{"a": null}"#])
            #expect(try row.decode([String?].self, at: 7) == ["a", nil])
            #expect(try row.decode([Int].self, at: 8) == [])
            #expect(try row.decode([Double].self, at: 9) == [2.5, -1.0])
            #expect(try row.decode([Int?].self, at: 10) == [nil])
        }
    }

    @Test("arrays let static SQL insert many rows at once with unnest")
    func unnestInsertsManyRows() async throws {
        try await withTestClient { client in
            try await client.query("CREATE TABLE seats (label text, price int8)")
            let labels = (1...500).map { "seat \($0)" }
            let prices = (1...500).map { $0 * 100 }
            let inserted = try await client.query(PostgresQuery(
                "INSERT INTO seats (label, price) SELECT * FROM unnest($1::text[], $2::int8[])",
                binds: [labels, prices]
            ))
            #expect(inserted.rowsAffected == 500)
            let total = try await client.query("SELECT sum(price)::int8 FROM seats").decodeColumn(Int.self)
            #expect(total == [prices.reduce(0, +)])
        }
    }

    @Test("a NUL byte in a text bind is refused by the server as characterNotInRepertoire")
    func nulInTextIsRefused() async throws {
        try await withTestClient { client in
            let error = await expectPostgresError {
                try await client.query("SELECT \("before\u{0}after")::text")
            }
            #expect(error?.code == .server)
            #expect(error?.sqlState == .characterNotInRepertoire)
            // The connection is fine afterwards.
            let after = try await client.query("SELECT \(1)").decodeColumn(Int.self)
            #expect(after == [1])
        }
    }

    @Test("NUL bytes in bytea round-trip exactly")
    func nulInByteaRoundTrips() async throws {
        try await withTestClient { client in
            let bytes: [UInt8] = [0, 0, 65, 0, 66, 0]
            let back = try await client.query("SELECT \(bytes)").decodeColumn([UInt8].self)
            #expect(back == [bytes])
        }
    }

    @Test("a 1 MB text value round-trips")
    func megabyteText() async throws {
        try await withTestClient { client in
            let big = String(repeating: "0123456789abcdef", count: 65_536)
            let rows = try await client.query("SELECT \(big), length(\(big))")
            let (text, length) = try rows[0].decode((String, Int32).self)
            #expect(text == big)
            #expect(length == 1_048_576)
        }
    }

    @Test("hostile quotes are stored verbatim and the table survives")
    func hostileQuotes() async throws {
        try await withTestClient { client in
            try await client.query("CREATE TABLE x (v text)")
            let hostile = "'); DROP TABLE x; --"
            let alsoHostile = #"\'"; SELECT 1; $1 $$ E'\x00'"#
            try await client.query("INSERT INTO x (v) VALUES (\(hostile)), (\(alsoHostile))")
            let stored = try await client.query("SELECT v FROM x ORDER BY v").decodeColumn(String.self)
            #expect(Set(stored) == [hostile, alsoHostile])
        }
    }

    @Test("decoding into the wrong type throws an error naming the column and both types")
    func mismatchNamesColumnAndTypes() async throws {
        try await withTestClient { client in
            let rows = try await client.query("SELECT 'a@b.c'::text AS email, NULL::int8 AS age")
            let mismatch = await expectPostgresError { _ = try rows[0].decode(Int.self, column: "email") }
            #expect(mismatch?.code == .decoding)
            #expect(mismatch?.column == "email")
            #expect(mismatch?.message.contains("text") == true)
            #expect(mismatch?.message.contains("Int") == true)
            let null = await expectPostgresError { _ = try rows[0].decode(Int.self, column: "age") }
            #expect(null?.code == .decoding)
            let missing = await expectPostgresError { _ = try rows[0].decode(String.self, column: "nope") }
            #expect(missing?.code == .decoding)
            let outOfRange = await expectPostgresError { _ = try rows[0].decode(String.self, at: 9) }
            #expect(outOfRange?.code == .decoding)
            let arity = await expectPostgresError { _ = try rows[0].decode((String, Int?, Int).self) }
            #expect(arity?.code == .decoding)
        }
    }

    @Test("rowsAffected and the command tag report what a statement did")
    func rowsAffected() async throws {
        try await withTestClient { client in
            try await client.query("CREATE TABLE n (v int4)")
            let insert = try await client.query("INSERT INTO n SELECT generate_series(1, 5)")
            #expect(insert.rowsAffected == 5)
            #expect(insert.commandTag == "INSERT 0 5")
            let update = try await client.query("UPDATE n SET v = v + 1 WHERE v > \(Int32(2))")
            #expect(update.rowsAffected == 3)
            let select = try await client.query("SELECT v FROM n ORDER BY v")
            #expect(select.rowsAffected == 5)
            #expect(select.columnNames == ["v"])
            #expect(try select.decodeColumn(Int32.self) == [1, 2, 4, 5, 6])
        }
    }

    @Test("syntax errors and unknown tables carry their SQLSTATE")
    func serverErrorsCarrySQLState() async throws {
        try await withTestClient { client in
            let syntax = await expectPostgresError { try await client.query("SELEC 1") }
            #expect(syntax?.sqlState == .syntaxError)
            let undefined = await expectPostgresError { try await client.query("SELECT * FROM no_such_table") }
            #expect(undefined?.sqlState == .undefinedTable)
            let badText = await expectPostgresError { try await client.query("SELECT \("abc")::int4") }
            #expect(badText?.sqlState == .invalidTextRepresentation)
            #expect(badText?.isRetryable == false)
        }
    }
}
