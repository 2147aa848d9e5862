import Contracts
import Crypto
import Foundation
import RedisClient
import TestSupport
import Testing
@testable import API

/// A command with limits (an order) is admitted and appended by one script: the two happen
/// together or not at all.
@Suite("admission and append in one script", .timeLimit(.minutes(1)))
struct AdmissionAppendTests {
    @Test("admitted, it is counted, the failure key is deleted and the command appended with its fields; refused by a limit or a sign-out, none of these happens")
    func togetherOrNotAtAll() async throws {
        let server = try await TestServers.redis()
        let redis = try await RedisClient.connect(configuration: try RedisConfiguration(url: server.url))
        defer { Task { await redis.shutdown() } }
        let keys = KeySpace(prefix: TestServers.uniqueName("t"))
        var rules = RateLimits()
        rules.ordersPerUser = .init(1, per: .seconds(60))
        let limits = CommandLimits(
            redis: redis, keys: keys, limits: rules, digestKey: SymmetricKey(size: .bits256),
            addresses: ClientAddressResolver(trustedProxies: []))
        let session = Session(userID: UUID().uuidString.lowercased(), email: "a@example.com", tokenID: "token-1")
        let order = CreateOrder(ticketId: UUID().uuidString.lowercased())
        let stream = keys.commands(.orders)
        let failure = keys.commandFailure("resent")
        let fields = [("id", "resent"), ("type", CreateOrder.type), ("data", #"{"ticketId":"x"}"#)]
        func check() throws -> CommandLimits.Check {
            try #require(try limits.check(order, session: session, uncheckedSession: session) { nil })
        }

        _ = try await redis.send("SET", failure, "given up")
        try await check().run(on: redis, appending: fields, to: stream, clearing: failure)
        let entries = try await redis.send("XRANGE", stream, "-", "+").asArray()
        #expect(entries.count == 1)
        let appended = try entries.first.map { try $0.asArray()[1].asArray().map { try $0.asString() } }
        #expect(appended == fields.flatMap { [$0.0, $0.1] })
        #expect(try await redis.send("EXISTS", failure).asInt() == 0)
        let limitKeys = try await redis.scanAll(matching: "\(keys.prefix):limits:orders-user:*")
        #expect(limitKeys.count == 1)
        let counted = { try await redis.send("ZCARD", try #require(limitKeys.first)).asInt() }
        #expect(try await counted() == 1)

        // Over the limit: 429, and the failure key, the stream and the count are as they were.
        _ = try await redis.send("SET", failure, "given up")
        await #expect(throws: RateLimited.self) {
            try await check().run(on: redis, appending: fields, to: stream, clearing: failure)
        }
        #expect(try await redis.send("XLEN", stream).asInt() == 1)
        #expect(try await redis.send("EXISTS", failure).asInt() == 1)
        #expect(try await counted() == 1)

        // Signed out: 401, checked before the limits, and again nothing changes.
        _ = try await redis.send("SET", keys.revoked("token-1"), "1")
        await #expect(throws: APIError.notAuthorized) {
            try await check().run(on: redis, appending: fields, to: stream, clearing: failure)
        }
        #expect(try await redis.send("XLEN", stream).asInt() == 1)
        #expect(try await redis.send("EXISTS", failure).asInt() == 1)
        #expect(try await counted() == 1)
    }
}
