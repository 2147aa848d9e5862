import Foundation
import Testing
@testable import TestSupport

@Suite(.timeLimit(.minutes(3))) struct TestServersTests {
    @Test("the shared Redis answers on its port and its unix socket")
    func sharedRedisAnswers() async throws {
        let redis = try await TestServers.redis()
        #expect(try await redisCLI(["-p", "\(redis.port)", "PING"]) == "PONG")
        #expect(try await redisCLI(["-s", redis.unixSocketPath, "PING"]) == "PONG")
        #expect(try await TestServers.redis().port == redis.port)
    }

    @Test("free ports asked for one after another, before any is bound, are all different")
    func freePortsDiffer() throws {
        let ports = try (0..<300).map { _ in try BuiltProducts.freePort() }
        #expect(Set(ports).count == ports.count)
    }

    @Test("a private Redis with a password refuses commands without it")
    func passwordIsRequired() async throws {
        let redis = try await RedisServer.start(password: "s3cret")
        defer { Task { await redis.stop() } }
        #expect(try await redisCLI(["-p", "\(redis.port)", "PING"]).contains("NOAUTH"))
        #expect(try await redisCLI(["--no-auth-warning", "-p", "\(redis.port)", "-a", "s3cret", "PING"]) == "PONG")
    }

    @Test("a killed Redis starts again on the same port")
    func redisKillAndStart() async throws {
        let redis = try await RedisServer.start()
        await redis.kill()
        #expect(!redis.isRunning)
        #expect(!Network.isListening(port: redis.port))
        try await redis.start()
        #expect(try await redisCLI(["-p", "\(redis.port)", "PING"]) == "PONG")
        await redis.stop()
    }

    @Test("each created database is empty, separate and reachable by its URL")
    func createdDatabasesAreSeparate() async throws {
        let postgres = try await TestServers.postgres()
        let first = try await postgres.createDatabase()
        let second = try await postgres.createDatabase()
        #expect(first != second)
        _ = try await psql(first, "CREATE TABLE only_here(x int)")
        #expect(try await psql(first, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'") == "1")
        #expect(try await psql(second, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'") == "0")
    }

    @Test("a Postgres cluster survives a crash and keeps committed data")
    func postgresCrashRecovery() async throws {
        let postgres = try await PostgresServer.start()
        let url = try await postgres.createDatabase()
        _ = try await psql(url, "CREATE TABLE kept(x int); INSERT INTO kept VALUES (42)")
        await postgres.kill()
        #expect(!postgres.isRunning)
        try await postgres.start()
        #expect(try await psql(url, "SELECT x FROM kept") == "42")
        try await postgres.restart()
        #expect(try await psql(url, "SELECT x FROM kept") == "42")
        await postgres.stop()
    }

    @Test("a missing program is reported with the package that provides it")
    func missingBinaryNamesPackage() throws {
        let error = #expect(throws: TestSupportError.self) {
            try Binaries.postgres("no-such-postgres-program")
        }
        #expect(error?.description.contains("apt-get install postgresql") == true)
    }

    private func redisCLI(_ arguments: [String]) async throws -> String {
        let result = try await runToCompletion(try Binaries.redisCLI(), arguments)
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func psql(_ url: String, _ sql: String) async throws -> String {
        let result = try await runToCompletion(try Binaries.postgres("psql"), ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        try #require(result.status == 0, "psql failed: \(result.output)")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
