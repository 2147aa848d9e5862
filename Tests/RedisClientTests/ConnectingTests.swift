import Foundation
import RedisClient
import TestSupport
import Testing

@Suite("Connecting", .timeLimit(.minutes(2)))
struct ConnectingTests {
    @Test("a closed port fails fast with connectionFailed")
    func connectionRefused() async throws {
        // A port from a server that has been stopped: nothing listens there now.
        let server = try await RedisServer.start()
        let port = server.port
        await server.stop()
        var configuration = try RedisConfiguration(url: "redis://127.0.0.1:\(port)/0")
        // A long budget: connecting must fail at once rather than spend it.
        configuration.reconnectBudget = .seconds(30)
        let started = ContinuousClock.now
        let code = await redisErrorCode { try await RedisClient.connect(configuration: configuration) }
        #expect(code == .connectionFailed)
        #expect(ContinuousClock.now - started < .seconds(10))
        let dedicated = await redisErrorCode { try await RedisConnection.connect(configuration: configuration) }
        #expect(dedicated == .connectionFailed)
    }

    @Test("a lazy pool on a closed port gives up after its reconnect budget")
    func lazyPoolBudget() async throws {
        let server = try await RedisServer.start()
        let port = server.port
        await server.stop()
        var configuration = try RedisConfiguration(url: "redis://127.0.0.1:\(port)/0")
        configuration.reconnectBudget = .seconds(1)
        let client = try RedisClient(configuration: configuration)
        let started = ContinuousClock.now
        let code = await redisErrorCode { try await client.ping() }
        let elapsed = ContinuousClock.now - started
        #expect(code == .connectionFailed)
        // Given up after the budget rather than kept waiting: room for a loaded machine.
        #expect(elapsed < .seconds(10))
        await client.shutdown()
    }

    @Test("AUTH with the right password works, a wrong one fails with connectionFailed, none gets NOAUTH")
    func passwords() async throws {
        try await withPrivateServer(password: "s3cret") { server in
            let client = try await RedisClient.connect(configuration: RedisConfiguration(url: server.url))
            #expect(try await client.ping() == "PONG")
            await client.shutdown()

            let wrong = try RedisConfiguration(url: "redis://:nope@127.0.0.1:\(server.port)/0")
            do {
                _ = try await RedisConnection.connect(configuration: wrong)
                Issue.record("connected with a wrong password")
            } catch let error as RedisError {
                #expect(error.code == .connectionFailed)
                #expect(error.message.contains("WRONGPASS"))
            }

            let none = try await RedisConnection.connect(configuration: RedisConfiguration(url: "redis://127.0.0.1:\(server.port)/0"))
            #expect(await redisErrorCode { try await none.ping() } == .noAuth)
            await none.close()
        }
    }

    @Test("ACL user and password")
    func aclUser() async throws {
        let server = try await TestServers.redis()
        let user = TestServers.uniqueName("u")
        let admin = try await RedisConnection.connect(configuration: RedisConfiguration(url: server.url))
        try await admin.send("ACL", "SETUSER", user, "on", ">pw1", "~*", "+@all")
        let configuration = try RedisConfiguration(url: "redis://\(user):pw1@127.0.0.1:\(server.port)/0")
        let connection = try await RedisConnection.connect(configuration: configuration)
        #expect(try await connection.send("ACL", "WHOAMI").string == user)
        await connection.close()
        try await admin.send("ACL", "DELUSER", user)
        await admin.close()
    }

    @Test("a unix socket URL connects")
    func unixSocket() async throws {
        let server = try await TestServers.redis()
        let connection = try await RedisConnection.connect(configuration: RedisConfiguration(url: "unix://\(server.unixSocketPath)"))
        #expect(try await connection.ping("hi") == "hi")
        await connection.close()
    }

    @Test("unix socket with a password and a database from the query")
    func unixSocketWithPassword() async throws {
        try await withPrivateServer(password: "pw") { server in
            let connection = try await RedisConnection.connect(
                configuration: RedisConfiguration(url: "unix://:pw@\(server.unixSocketPath)?db=5"))
            let key = TestServers.uniqueName("k")
            try await connection.set(key, "in five")
            let check = try await RedisConnection.connect(configuration: RedisConfiguration(url: server.url(db: 5)))
            #expect(try await check.getString(key) == "in five")
            await check.close()
            await connection.close()
        }
    }

    @Test("the database in the URL is SELECTed on every connection")
    func selectDatabase() async throws {
        let server = try await TestServers.redis()
        let key = TestServers.uniqueName("db")
        var configuration = try RedisConfiguration(url: server.url(db: 7))
        configuration.poolSize = 3
        let client = try await RedisClient.connect(configuration: configuration)
        try await client.set(key, "seven")
        let results = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<20 { group.addTask { try await client.getString(key) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 == "seven" })
        let other = try await RedisConnection.connect(configuration: RedisConfiguration(url: server.url(db: 0)))
        #expect(try await other.getString(key) == nil)
        #expect(try await other.send("SELECT", 7) == .status("OK"))
        #expect(try await other.getString(key) == "seven")
        try await other.del(key)
        await other.close()
        await client.shutdown()
    }

    @Test("a database the server does not have fails the connect")
    func badDatabase() async throws {
        let server = try await TestServers.redis()
        let code = await redisErrorCode {
            try await RedisConnection.connect(configuration: RedisConfiguration(url: server.url(db: 999)))
        }
        #expect(code == .connectionFailed)
    }

    @Test("the client name is set with CLIENT SETNAME")
    func clientName() async throws {
        let server = try await TestServers.redis()
        let name = TestServers.uniqueName("worker")
        let connection = try await RedisConnection.connect(configuration: RedisConfiguration(url: server.url + "?name=\(name)"))
        #expect(try await connection.send("CLIENT", "GETNAME").string == name)
        await connection.close()
    }

    @Test("after shutdown, commands fail with clientClosed")
    func closedClient() async throws {
        let server = try await TestServers.redis()
        let client = try await RedisClient.connect(configuration: RedisConfiguration(url: server.url))
        await client.shutdown()
        #expect(await redisErrorCode { try await client.ping() } == .clientClosed)
        let connection = try await client.configuration.dedicated()
        await connection.close()
        #expect(await redisErrorCode { try await connection.ping() } == .clientClosed)
    }
}

extension RedisConfiguration {
    fileprivate func dedicated() async throws -> RedisConnection {
        try await RedisConnection.connect(configuration: self)
    }
}
