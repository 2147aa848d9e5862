import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("migrations", .timeLimit(.minutes(3)))
struct MigrationTests {
    let migrations = [
        Migration(version: 1, name: "create_log", sql: """
            CREATE TABLE log (n int4 NOT NULL);
            INSERT INTO log VALUES (1);
            """),
        Migration(version: 2, name: "add_note", sql: """
            ALTER TABLE log ADD COLUMN note text;
            INSERT INTO log VALUES (2, 'second; with a semicolon');
            """),
    ]

    @Test("eight processes migrating at once apply each migration exactly once")
    func concurrentMigrators() async throws {
        let server = try await TestServers.postgres()
        let url = try await server.createDatabase()
        let applied = try await withThrowingTaskGroup(of: [Migration].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let client = PostgresClient(configuration: try PostgresConfiguration(url, poolSize: 1))
                    do {
                        let applied = try await client.migrate(schema: "tickets", migrations: migrations)
                        await client.close()
                        return applied
                    } catch {
                        await client.close()
                        throw error
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(applied.map(\.version).sorted() == [1, 2])
        let client = PostgresClient(configuration: try PostgresConfiguration(url, poolSize: 1))
        let log = try await client.query("SELECT n, note FROM tickets.log ORDER BY n").decode((Int32, String?).self)
        #expect(log.map(\.0) == [1, 2])
        #expect(log.map(\.1) == [nil, "second; with a semicolon"])
        let recorded = try await client.query(
            "SELECT version, name, checksum FROM public.schema_migrations WHERE schema = 'tickets' ORDER BY version"
        ).decode((Int32, String, String).self)
        #expect(recorded.map(\.0) == [1, 2])
        #expect(recorded.map(\.1) == ["create_log", "add_note"])
        #expect(recorded.map(\.2) == migrations.map(\.checksum))
        await client.close()
    }

    @Test("running the same migrations again is a no-op, and a new one is applied alone")
    func rerunIsNoOp() async throws {
        try await withTestClient { client in
            #expect(try await client.migrate(schema: "orders", migrations: migrations).count == 2)
            #expect(try await client.migrate(schema: "orders", migrations: migrations).isEmpty)
            let third = Migration(version: 3, name: "more", sql: "INSERT INTO log VALUES (3)")
            let applied = try await client.migrate(schema: "orders", migrations: migrations + [third])
            #expect(applied == [third])
            let count = try await client.query("SELECT count(*) FROM orders.log").decodeColumn(Int.self)
            #expect(count == [3])
            // Another schema keeps its own history in the same table.
            #expect(try await client.migrate(schema: "payments", migrations: migrations).count == 2)
        }
    }

    @Test("an applied migration whose text changed is refused")
    func changedChecksumIsRefused() async throws {
        try await withTestClient { client in
            try await client.migrate(schema: "auth", migrations: migrations)
            var edited = migrations
            edited[0] = Migration(version: 1, name: "create_log", sql: "CREATE TABLE log (n int8);")
            let extra = Migration(version: 3, name: "never", sql: "CREATE TABLE never_applied (v int4)")
            do {
                try await client.migrate(schema: "auth", migrations: edited + [extra])
                Issue.record("an edited migration was accepted")
            } catch let error as MigrationError {
                #expect(error.code == .checksumMismatch)
                #expect(error.version == 1)
            }
            let exists = try await client.query("SELECT to_regclass('auth.never_applied') IS NOT NULL").decodeColumn(Bool.self)
            #expect(exists == [false])
        }
    }

    @Test("a failing migration is rolled back and not recorded; earlier ones stay")
    func failingMigrationRollsBack() async throws {
        try await withTestClient { client in
            let broken = Migration(version: 3, name: "broken", sql: """
                CREATE TABLE half_done (v int4);
                INSERT INTO log VALUES (99);
                SELECT 1 / 0;
                """)
            do {
                try await client.migrate(schema: "app", migrations: migrations + [broken])
                Issue.record("a failing migration did not throw")
            } catch let error as MigrationError {
                #expect(error.code == .migrationFailed)
                #expect(error.version == 3)
                #expect(error.underlying?.sqlState == SQLState("22012"))
            }
            let versions = try await client.query(
                "SELECT version FROM public.schema_migrations WHERE schema = 'app' ORDER BY version"
            ).decodeColumn(Int32.self)
            #expect(versions == [1, 2])
            let halfDone = try await client.query("SELECT to_regclass('app.half_done') IS NOT NULL").decodeColumn(Bool.self)
            #expect(halfDone == [false])
            let log = try await client.query("SELECT n FROM app.log ORDER BY n").decodeColumn(Int32.self)
            #expect(log == [1, 2])
            // Fixed, it applies.
            let fixed = Migration(version: 3, name: "broken", sql: "CREATE TABLE half_done (v int4);")
            #expect(try await client.migrate(schema: "app", migrations: migrations + [fixed]) == [fixed])
        }
    }

    @Test("migrations load from a directory of numbered files, in order")
    func loadsFromDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestServers.uniqueName("migrations"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "CREATE TABLE b ();".write(to: directory.appendingPathComponent("010_second.sql"), atomically: true, encoding: .utf8)
        try "CREATE TABLE a ();".write(to: directory.appendingPathComponent("002_create_users.sql"), atomically: true, encoding: .utf8)
        try "notes".write(to: directory.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let loaded = try Migration.load(from: directory)
        #expect(loaded.map(\.version) == [2, 10])
        #expect(loaded.map(\.name) == ["create_users", "second"])
        #expect(loaded[0].sql == "CREATE TABLE a ();")

        try "x".write(to: directory.appendingPathComponent("oops.sql"), atomically: true, encoding: .utf8)
        #expect { try Migration.load(from: directory) } throws: { ($0 as? MigrationError)?.code == .invalidMigrations }
        try FileManager.default.removeItem(at: directory.appendingPathComponent("oops.sql"))
        try "y".write(to: directory.appendingPathComponent("2_again.sql"), atomically: true, encoding: .utf8)
        #expect { try Migration.load(from: directory) } throws: { ($0 as? MigrationError)?.code == .invalidMigrations }
    }
}
