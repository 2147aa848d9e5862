import Admin
import Contracts
import Foundation
import RedisClient
import Testing

@Suite("streams report", .timeLimit(.minutes(2)))
struct StreamsReportTests {
    @Test("each stream's length, each group's lag and pending count, each consumer's pending count and idle time")
    func figures() async throws {
        let fixture = try await AdminFixture.make()
        let stream = fixture.keys.events(.orderCreated)
        let ids = try await fixture.publish(5, to: stream)
        try await fixture.redis.xgroupCreate(stream, group: "tickets", startID: "0")
        try await fixture.redis.xgroupCreate(stream, group: "payments", startID: "0")
        let read = try await fixture.redis.xreadgroup(group: "tickets", consumer: "t-1", stream: stream, count: 3)
        try await fixture.redis.xack(stream, group: "tickets", ids: [read[0].id])
        try await fixture.redis.xgroupCreateConsumer(stream, group: "payments", consumer: "p-quiet")
        try await Task.sleep(for: .milliseconds(100))

        let report = try await fixture.admin.streamsReport()
        let figures = try #require(report.streams.first { $0.name == stream })
        #expect(figures.length == 5)
        #expect(figures.lastEntryID == ids.last)
        #expect(figures.groups.map(\.name).sorted() == ["payments", "tickets"])
        let tickets = try #require(figures.groups.first { $0.name == "tickets" })
        #expect(tickets.lag == 2)
        #expect(tickets.pending == 2)
        #expect(tickets.lastDeliveredID == ids[2])
        #expect(tickets.consumers.map(\.name) == ["t-1"])
        #expect(tickets.consumers.first?.pending == 2)
        let payments = try #require(figures.groups.first { $0.name == "payments" })
        #expect(payments.lag == 5)
        #expect(payments.pending == 0)
        let quiet = try #require(payments.consumers.first)
        #expect(quiet.name == "p-quiet" && quiet.pending == 0)
        #expect(quiet.idleMilliseconds >= 100)

        #expect(report.text.contains(stream))
        #expect(report.text.contains("    t-1"))
        #expect(try jsonRoundTrip(report))
        await fixture.close()
    }

    @Test("reply streams are listed with the others; dead-letter streams apart, with their letter counts")
    func kinds() async throws {
        let fixture = try await AdminFixture.make()
        let commands = fixture.keys.commands(.orders)
        let replies = fixture.keys.replies("api-1")
        try await fixture.publish(1, to: replies)
        try await fixture.deadLetter(Envelope(type: "thing", data: "{}").fields, stream: commands)
        try await fixture.deadLetter(Envelope(type: "thing", data: "{}").fields, stream: commands)

        let report = try await fixture.admin.streamsReport()
        #expect(report.streams.map(\.name) == [commands, replies])
        #expect(report.deadLetters.map(\.stream) == [commands])
        #expect(report.deadLetters.map(\.key) == [fixture.keys.dead(commands)])
        #expect(report.deadLetters.map(\.letters) == [2])
        #expect(report.text.contains("DEAD LETTERS OF"))
        #expect(try jsonRoundTrip(report))
        await fixture.close()
    }

    @Test("a prefix with no streams gives an empty report that says so")
    func empty() async throws {
        let fixture = try await AdminFixture.make()
        let report = try await fixture.admin.streamsReport()
        #expect(report.streams.isEmpty && report.deadLetters.isEmpty)
        #expect(report.text == "no streams under \(fixture.keys.prefix):")
        await fixture.close()
    }
}
