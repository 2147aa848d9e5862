import Admin
import Contracts
import ExpirationService
import Foundation
import RedisClient
import Testing

@Suite("expiration schedule report", .timeLimit(.minutes(2)))
struct ExpirationReportTests {
    @Test("the schedule's size, what is overdue, and the soonest entries, by the server's clock")
    func report() async throws {
        let fixture = try await AdminFixture.make()
        let schedule = ExpirationSchedule(keys: fixture.keys, redis: fixture.redis)
        let overdue = UUID().uuidString.lowercased(), soon = UUID().uuidString.lowercased()
        try await schedule.add(order: overdue, due: Date(timeIntervalSinceNow: -60))
        try await schedule.add(order: soon, due: Date(timeIntervalSinceNow: 600))
        try await schedule.add(order: UUID().uuidString.lowercased(), due: Date(timeIntervalSinceNow: 7200))
        try await schedule.add(order: UUID().uuidString.lowercased(), due: Date(timeIntervalSinceNow: 86_400))

        let report = try await fixture.admin.expirations(limit: 2)
        #expect(report.key == fixture.keys.expirations)
        #expect(report.count == 4)
        #expect(report.overdue == 1)
        #expect(report.next?.order == overdue)
        #expect(report.entries.map(\.order) == [overdue, soon])
        // The server's clock and this process's are the same machine's; allow for slow steps.
        #expect((-90_000 ... -59_000).contains(report.entries[0].dueInMilliseconds))
        #expect((500_000 ... 601_000).contains(report.entries[1].dueInMilliseconds))
        #expect(report.entries.allSatisfy { Timestamp.parse($0.dueAt) != nil })
        #expect(report.text.contains("4 scheduled, 1 overdue"))
        #expect(report.text.contains("overdue by 1m"))
        #expect(report.text.contains("in 9m") || report.text.contains("in 10m"))
        #expect(report.text.contains("(2 more; --limit shows more)"))
        #expect(try jsonRoundTrip(report))
        await fixture.close()
    }

    @Test("an empty schedule says so")
    func empty() async throws {
        let fixture = try await AdminFixture.make()
        let report = try await fixture.admin.expirations()
        #expect(report.count == 0 && report.next == nil && report.entries.isEmpty)
        #expect(report.text == "\(fixture.keys.expirations): nothing scheduled")
        #expect(try jsonRoundTrip(report))
        await fixture.close()
    }
}
