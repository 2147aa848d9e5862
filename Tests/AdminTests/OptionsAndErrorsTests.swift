import Admin
import Contracts
import Foundation
import RedisClient
import TestSupport
import Testing

@Suite("options and errors", .timeLimit(.minutes(2)))
struct OptionsAndErrorsTests {
    @Test("options fall back to the environment, then to the defaults; --prefix and --key-prefix are one")
    func options() throws {
        let environment = ["REDIS_URL": "redis://10.0.0.1:6380/2", "KEY_PREFIX": "staging"]
        let none = try AdminOptions.parse([])
        #expect(none.resolvedRedisURL(environment: [:]) == "redis://127.0.0.1:6379/0")
        #expect(try none.keySpace(environment: [:]).prefix == "ticketing")
        #expect(none.resolvedRedisURL(environment: environment) == "redis://10.0.0.1:6380/2")
        #expect(try none.keySpace(environment: environment).prefix == "staging")
        #expect(try none.keySpace(environment: ["KEY_PREFIX": ""]).prefix == "ticketing")
        let flags = try AdminOptions.parse(["--redis-url", "redis://h:1/0", "--prefix", "p1", "--json"])
        #expect(flags.resolvedRedisURL(environment: environment) == "redis://h:1/0")
        #expect(try flags.keySpace(environment: environment).prefix == "p1")
        #expect(flags.json)
        #expect(try AdminOptions.parse(["--key-prefix", "p2"]).keySpace(environment: environment).prefix == "p2")
        #expect(throws: AdminError.self) { try AdminOptions.parse(["--prefix", "a b"]).keySpace(environment: [:]) }
    }

    @Test("an unreachable Redis is a clear error naming the server, not a crash")
    func unreachable() async throws {
        do {
            _ = try await Admin.connect(url: "redis://127.0.0.1:1/0", keys: KeySpace())
            Issue.record("connected to a closed port")
        } catch let error as AdminError {
            #expect(error.code == .unreachable)
            #expect(error.description.hasPrefix("cannot reach Redis at 127.0.0.1:1: "))
        }
    }

    @Test("an unusable Redis URL is invalid input, and a password in it is never repeated")
    func badURL() async throws {
        do {
            _ = try await Admin.connect(url: "http://user:secret@127.0.0.1/0", keys: KeySpace())
            Issue.record("accepted an http URL")
        } catch let error as AdminError {
            #expect(error.code == .invalidInput)
            #expect(!error.description.contains("secret"))
        }
    }

    @Test("a Redis error during a command names the server and keeps Redis's words")
    func redisErrorDuringCommand() async throws {
        let fixture = try await AdminFixture.make()
        let stream = fixture.keys.events(.orderCreated)
        try await fixture.redis.set(stream, "not a stream")
        let admin = try await Admin.connect(url: try await TestServers.redis().url, keys: fixture.keys)
        do {
            _ = try await admin.run { try await $0.redis.xinfoGroups(stream) }
            Issue.record("XINFO GROUPS on a string worked")
        } catch let error as AdminError {
            #expect(error.code == .redis)
            #expect(error.description.contains("WRONGTYPE"))
        }
        #expect(await fixture.adminErrorCode { try await fixture.admin.trim(stream: "events:order:created", dryRun: true) } == .invalidInput)
        await fixture.close()
    }
}
