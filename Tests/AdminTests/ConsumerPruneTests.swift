@testable import Admin
import Contracts
import Foundation
import RedisClient
import Testing

@Suite("pruning consumers", .timeLimit(.minutes(2)))
struct ConsumerPruneTests {
    @Test("prune deletes idle consumers with nothing pending; keeps those with pending entries and the active ones")
    func prune() async throws {
        let fixture = try await AdminFixture.make()
        let redis = fixture.redis
        let stream = fixture.keys.events(.orderCreated)
        try await fixture.publish(1, to: stream)
        try await redis.xgroupCreate(stream, group: "payments", startID: "0")
        _ = try await redis.xreadgroup(group: "payments", consumer: "busy", stream: stream, count: 1)
        try await redis.xgroupCreateConsumer(stream, group: "payments", consumer: "gone")
        // Long enough that "fresh", touched just before each prune, stays under it on a loaded
        // machine; the others are waited for until they are over it.
        let threshold = Duration.seconds(15)
        let deadline = ContinuousClock.now + .seconds(60)
        while try await !redis.xinfoConsumers(stream, group: "payments").allSatisfy({ $0.idleMilliseconds > 15_000 }) {
            guard ContinuousClock.now < deadline else { Issue.record("the consumers never went idle"); return }
            try await Task.sleep(for: .milliseconds(100))
        }
        // A live worker reads every few seconds; reading its (empty) own history is enough to look live.
        func touchFresh() async throws {
            _ = try await redis.xreadgroup(group: "payments", consumer: "fresh", stream: stream, id: "0", count: 1)
        }

        try await touchFresh()
        let dry = try await fixture.admin.pruneConsumers(idleLongerThan: threshold, dryRun: true)
        #expect(dry.consumers.map(\.name).sorted() == ["busy", "gone"])
        #expect(dry.consumers.first { $0.name == "busy" }?.outcome == .keptPending)
        #expect(dry.consumers.first { $0.name == "gone" }?.outcome == .wouldRemove)
        #expect(dry.active == 1)
        #expect(try await redis.xinfoConsumers(stream, group: "payments").count == 3)
        #expect(dry.text.contains("would remove"))
        #expect(try jsonRoundTrip(dry))

        try await touchFresh()
        let real = try await fixture.admin.pruneConsumers(idleLongerThan: threshold, stream: "events:order:created", dryRun: false)
        #expect(real.consumers.first { $0.name == "gone" }?.outcome == .removed)
        #expect(real.consumers.first { $0.name == "busy" }?.outcome == .keptPending)
        #expect(try await redis.xinfoConsumers(stream, group: "payments").map(\.name).sorted() == ["busy", "fresh"])
        #expect(try await redis.xpendingSummary(stream, group: "payments").consumers.map(\.name) == ["busy"])
        #expect(real.text.contains("1 of 2 consumers idle longer than 15.0s were removed; 1 active left alone"))
        await fixture.close()
    }

    @Test("the delete checks again, in one step: a consumer active again or with pending entries is kept")
    func scriptChecksAgain() async throws {
        let fixture = try await AdminFixture.make()
        let stream = fixture.keys.commands(.orders)
        try await fixture.publish(1, to: stream)
        try await fixture.redis.xgroupCreate(stream, group: "orders", startID: "0")
        _ = try await fixture.redis.xreadgroup(group: "orders", consumer: "busy", stream: stream, count: 1)
        _ = try await fixture.redis.xreadgroup(group: "orders", consumer: "live", stream: stream, id: "0", count: 1)
        func delete(_ consumer: String, idleOverMilliseconds: Int) async throws -> Int {
            try await fixture.redis.evalScript(PruneScript.script, keys: [stream], args: ["orders", consumer, idleOverMilliseconds]).asInt()
        }
        #expect(try await delete("live", idleOverMilliseconds: 60_000) == -1)
        #expect(try await delete("busy", idleOverMilliseconds: 0) == 0)
        #expect(try await delete("nobody", idleOverMilliseconds: 0) == -1)
        #expect(try await fixture.redis.xinfoConsumers(stream, group: "orders").map(\.name).sorted() == ["busy", "live"])
        await fixture.close()
    }
}
