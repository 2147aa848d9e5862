import Admin
import Contracts
import Foundation
import RedisClient
import Testing

@Suite("trimming", .timeLimit(.minutes(2)))
struct TrimTests {
    @Test("trim keeps every pending and undelivered entry and removes what every group acknowledged")
    func keepsWhatGroupsNeed() async throws {
        let fixture = try await AdminFixture.make()
        let redis = fixture.redis
        let stream = fixture.keys.events(.ticketCreated)
        let ids = try await fixture.publish(10, to: stream)
        // a: read the first six, acknowledged all but the 4th and 6th. b: read eight, acknowledged all.
        try await redis.xgroupCreate(stream, group: "a", startID: "0")
        _ = try await redis.xreadgroup(group: "a", consumer: "a-1", stream: stream, count: 6)
        try await redis.xack(stream, group: "a", ids: [ids[0], ids[1], ids[2], ids[4]])
        try await fixture.handle(8, of: stream, by: "b")

        let dry = try await fixture.admin.trim(dryRun: true)
        #expect(dry.streams.map(\.name) == [stream])
        #expect(dry.streams.first?.keepFrom == ids[3])
        #expect(dry.streams.first?.removed == 3)
        #expect(try await redis.xlen(stream) == 10)
        #expect(dry.text.contains("WOULD REMOVE"))
        #expect(try jsonRoundTrip(dry))

        let real = try await fixture.admin.trim(dryRun: false)
        #expect(real.streams.first?.removed == 3)
        #expect(real.streams.first?.length == 10)
        #expect(try await redis.xrange(stream).map(\.id) == Array(ids[3...]))
        #expect(try await redis.xpending(stream, group: "a", count: 10).map(\.id) == [ids[3], ids[5]])

        // Once a has acknowledged all it read, the bound is b's: the entry after its last delivery.
        try await redis.xack(stream, group: "a", ids: [ids[3], ids[5]])
        _ = try await fixture.admin.trim(stream: "events:ticket:created", dryRun: false)
        #expect(try await redis.xrange(stream).map(\.id) == Array(ids[6...]))
        // Both groups have everything acknowledged: only entries delivered to neither remain.
        _ = try await redis.xreadgroup(group: "a", consumer: "a-1", stream: stream, count: 4)
        try await redis.xack(stream, group: "a", ids: Array(ids[6...]))
        _ = try await fixture.admin.trim(dryRun: false)
        #expect(try await redis.xrange(stream).map(\.id) == Array(ids[8...]))
        let groups = try await redis.xinfoGroups(stream)
        #expect(groups.first { $0.name == "b" }?.lag == 2)
        await fixture.close()
    }

    @Test("a group that has read nothing keeps the whole stream")
    func unreadGroupKeepsAll() async throws {
        let fixture = try await AdminFixture.make()
        let stream = fixture.keys.commands(.tickets)
        try await fixture.publish(4, to: stream)
        try await fixture.handle(4, of: stream, by: "a")
        try await fixture.redis.xgroupCreate(stream, group: "b", startID: "0")
        let report = try await fixture.admin.trim(dryRun: false)
        #expect(report.streams.first?.removed == 0)
        #expect(report.streams.first?.keepFrom == "0-1")
        #expect(try await fixture.redis.xlen(stream) == 4)
        await fixture.close()
    }

    @Test("streams with no groups, dead-letter streams and reply streams are left alone")
    func leftAlone() async throws {
        let fixture = try await AdminFixture.make()
        let lonely = fixture.keys.events(.paymentCreated)
        let replies = fixture.keys.replies("api-1")
        try await fixture.publish(3, to: lonely)
        try await fixture.publish(3, to: replies)
        let source = fixture.keys.events(.orderCreated)
        try await fixture.deadLetter(Envelope(type: "thing", data: "{}").fields, stream: source)

        let report = try await fixture.admin.trim(dryRun: false)
        #expect(report.streams.map(\.name).sorted() == [lonely, source].sorted())
        #expect(report.streams.first { $0.name == lonely }?.skipped == "no consumer groups")
        #expect(try await fixture.redis.xlen(lonely) == 3)
        #expect(try await fixture.redis.xlen(replies) == 3)
        #expect(try await fixture.redis.xlen(fixture.keys.dead(source)) == 1)
        #expect(report.text.contains("no consumer groups"))

        #expect(await fixture.adminErrorCode { try await fixture.admin.trim(stream: fixture.keys.dead(source), dryRun: false) } == .invalidInput)
        #expect(await fixture.adminErrorCode { try await fixture.admin.trim(stream: "replies:api-1", dryRun: false) } == .invalidInput)
        #expect(await fixture.adminErrorCode { try await fixture.admin.trim(stream: "events:nothing", dryRun: true) } == .notFound)
        await fixture.close()
    }

    @Test("a plan made before a new group appeared trims nothing; trim then plans again")
    func newGroupInBetween() async throws {
        let fixture = try await AdminFixture.make()
        let stream = fixture.keys.events(.orderCancelled)
        let ids = try await fixture.publish(5, to: stream)
        try await fixture.handle(5, of: stream, by: "a")

        let plan = try #require(try await fixture.admin.trimPlan(stream))
        #expect(plan.keepFrom == StreamID(ids[4])?.successor)
        try await fixture.redis.xgroupCreate(stream, group: "late", startID: "0")
        #expect(try await fixture.admin.apply(plan) == nil)
        #expect(try await fixture.redis.xlen(stream) == 5)
        let report = try await fixture.admin.trim(dryRun: false)
        #expect(report.streams.first?.removed == 0)
        #expect(try await fixture.redis.xlen(stream) == 5)
        await fixture.close()
    }
}
