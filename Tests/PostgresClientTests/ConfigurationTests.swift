import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("configuration and connecting", .timeLimit(.minutes(2)))
struct ConfigurationTests {
    @Test("a URL and a keyword string are both read by libpq's parser")
    func parsesURLAndKeywords() throws {
        let url = try PostgresConfiguration("postgresql://alice:secret@db.example:6543/shop?sslmode=require&connect_timeout=7")
        #expect(url.parameter("user") == "alice")
        #expect(url.parameter("password") == "secret")
        #expect(url.parameter("host") == "db.example")
        #expect(url.parameter("port") == "6543")
        #expect(url.parameter("dbname") == "shop")
        #expect(url.parameter("sslmode") == "require")
        #expect(url.parameter("connect_timeout") == "7")

        let keywords = try PostgresConfiguration("host=127.0.0.1 port=5433 dbname=orders application_name='orders worker'")
        #expect(keywords.parameter("port") == "5433")
        #expect(keywords.parameter("application_name") == "orders worker")
        #expect(keywords.parameter("user") == nil)  // left to PGUSER / libpq's default
    }

    @Test("a string libpq rejects is an invalidConfiguration error")
    func rejectsGarbage() {
        #expect {
            try PostgresConfiguration("host=127.0.0.1 port")
        } throws: { ($0 as? PostgresError)?.code == .invalidConfiguration }
        #expect {
            try PostgresConfiguration("postgresql://h/db?nonsense_option=1")
        } throws: { ($0 as? PostgresError)?.code == .invalidConfiguration }
    }

    @Test("what the string leaves out comes from the PG* environment variables")
    func environmentIsPassedThrough() async throws {
        let server = try await TestServers.postgres()
        // Only this test sets PGAPPNAME; the others that check application_name set it explicitly.
        setenv("PGAPPNAME", "from-the-environment", 1)
        let client = PostgresClient(configuration: try PostgresConfiguration(server.url(database: "postgres"), poolSize: 1))
        let name = try await client.query("SHOW application_name").decodeColumn(String.self)
        #expect(name == ["from-the-environment"])
        await client.close()
    }

    @Test("applicationName and connectTimeout override the string")
    func overridesApplyOverTheString() async throws {
        let server = try await TestServers.postgres()
        let configuration = try PostgresConfiguration(
            server.url(database: "postgres") + "?application_name=from-url",
            poolSize: 1, connectTimeout: .seconds(30), applicationName: "from-code"
        )
        let client = PostgresClient(configuration: configuration)
        let name = try await client.query("SHOW application_name").decodeColumn(String.self)
        #expect(name == ["from-code"])
        await client.close()
    }

    @Test("a closed port fails quickly with connectionFailed")
    func connectionRefused() async throws {
        let configuration = try PostgresConfiguration(
            "postgresql://postgres@127.0.0.1:1/postgres", poolSize: 1, connectTimeout: .seconds(2),
            reconnectAttempts: 1
        )
        let client = PostgresClient(configuration: configuration)
        let started = ContinuousClock.now
        let error = await expectPostgresError { try await client.query("SELECT 1") }
        #expect(error?.code == .connectionFailed)
        #expect(error?.isTransient == true)
        #expect(ContinuousClock.now - started < .seconds(2))
        await client.close()
    }

    @Test("sslmode=require against a server without TLS is a clear connectionFailed")
    func tlsRequiredButUnavailable() async throws {
        let server = try await TestServers.postgres()
        let client = PostgresClient(configuration: try PostgresConfiguration(
            server.url(database: "postgres") + "?sslmode=require", poolSize: 1, reconnectAttempts: 1
        ))
        let error = await expectPostgresError { try await client.query("SELECT 1") }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains("SSL") == true)
        await client.close()
    }
}
