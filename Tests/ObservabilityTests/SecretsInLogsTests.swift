import Foundation
import Logging
import Observability
import PostgresClient
import RedisClient
import Testing
import TestSupport

/// Logs never show a value from a row (Postgres' `detail`) or a Redis password, wherever the
/// error or the setting is logged from.
@Suite("secrets in logs", .timeLimit(.minutes(2)))
struct SecretsInLogsTests {
    @Test("a unique violation whose detail names the row's value never shows it in a log line; callers can still read it")
    func postgresDetailNotLogged() async throws {
        let database = PostgresClient(configuration: try PostgresConfiguration(try await TestServers.postgres().createDatabase(), poolSize: 1))
        let marker = "row-value-\(UUID().uuidString)@example.com"
        _ = try await database.query("CREATE TABLE accounts (email text UNIQUE)")
        _ = try await database.query("INSERT INTO accounts VALUES (\(marker))")
        let lines = LoggingTests.Lines()
        let logger = Logger(label: "auth-worker") { _ in JSONLogHandler(label: "auth-worker", output: lines.output, metadataProvider: nil) }
        do {
            _ = try await database.query("INSERT INTO accounts VALUES (\(marker))")
            Issue.record("the second insert should have failed")
        } catch let error as PostgresError {
            #expect(error.sqlState == .uniqueViolation)
            #expect(error.detail?.contains(marker) == true, "the detail is there for callers")
            // As the worker runtime logs a failed message, and as errors are printed.
            logger.warning("message failed; it will be retried", metadata: ["error": "\(error)"])
            logger.error("\(error)", metadata: ["reflected": "\(String(reflecting: error))"])
        }
        await database.close()
        #expect(lines.all.count == 2)
        #expect(lines.all.allSatisfy { !$0.contains(marker) }, "\(lines.all)")
        #expect(lines.all.contains { $0.contains("accounts_email_key") }, "the constraint still says what went wrong")
    }

    @Test("a Redis password, in the URL's userinfo or its query, never shows in errors, descriptions or the client's logs")
    func redisPasswordNotLogged() async throws {
        let marker = "redis-secret-\(UUID().uuidString.prefix(8))"
        let server = try await RedisServer.start(password: "the-real-one")
        defer { Task { await server.stop() } }
        let lines = LoggingTests.Lines()
        var logger = Logger(label: "api") { _ in JSONLogHandler(label: "api", output: lines.output, metadataProvider: nil) }
        logger.logLevel = .trace
        let urls = [
            "redis://:\(marker)@127.0.0.1:\(server.port)/0",
            "redis://someone:\(marker)@127.0.0.1:\(server.port)/0",
            "redis://127.0.0.1:\(server.port)/0?password=\(marker)",
            "redis://127.0.0.1:\(server.port)/0?password=\(marker)&bogus=1",
            "redis://:\(marker)@127.0.0.1:\(server.port)/0#fragment",
        ]
        for url in urls {
            do {
                let configuration = try RedisConfiguration(url: url)
                logger.info("configured", metadata: ["redis": "\(configuration)", "reflected": "\(String(reflecting: configuration))"])
                var quick = configuration
                quick.reconnectBudget = .milliseconds(100)
                let client = try await RedisClient.connect(configuration: quick, logger: logger)
                await client.shutdown()
                Issue.record("a wrong password connected: \(url)")
            } catch {
                logger.error("redis failed", metadata: ["error": "\(error)", "reflected": "\(String(reflecting: error))"])
            }
        }
        #expect(lines.all.count >= urls.count)
        #expect(lines.all.allSatisfy { !$0.contains(marker) }, "\(lines.all.filter { $0.contains(marker) })")
    }
}
