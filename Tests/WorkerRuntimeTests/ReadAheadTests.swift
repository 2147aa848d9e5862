import Contracts
import Foundation
import Logging
import RedisClient
import Synchronization
import Testing
@testable import WorkerRuntime

/// A consumer's next read rides in the round trip that settles its batch.
@Suite("the next read goes out with the settlement", .timeLimit(.minutes(2)))
struct ReadAheadTests {
    @Test("one round trip acknowledges the batch and reads the next entries, without BLOCK; only new entries come back")
    func settlementCarriesTheRead() async throws {
        let harness = try await Harness.make()
        for i in 0..<5 { try await harness.publish("k\(i)") }
        try await harness.redis.xgroupCreate(harness.stream, group: "counter", startID: "0")
        let first = try await harness.redis.xreadgroup(group: "counter", consumer: "a", stream: harness.stream, count: 2)
        #expect(first.count == 2)

        let sender = CountingSender(harness.redis)
        let settlement = Settlement(
            group: "counter", keys: harness.keys, deletedAfterHandling: [], redis: sender, marks: PublishedMarks(),
            logger: Logger(label: "test"))
        var outcome = BatchOutcome()
        outcome.handled = first.map {
            IncomingMessage(stream: harness.stream, entryID: $0.id, envelope: try! Envelope(fields: $0.fields.map { ($0.name, $0.value) }), deliveryCount: 1)
        }
        let read = RedisCommand.xreadgroup(group: "counter", consumer: "a", streams: [(harness.stream, ">")], count: 10)
        let settled = await settlement.settle(outcome, thenRead: read)

        #expect(sender.pipelines.withLock { $0 } == 1, "the read took a round trip of its own")
        let entries = try #require(settled.read).flatMap(\.entries)
        #expect(entries.count == 3)
        #expect(Set(entries.map(\.id)).isDisjoint(with: first.map(\.id)))
        // The batch is acknowledged; the entries read ahead are now this consumer's.
        let pending = try await harness.redis.xpendingSummary(harness.stream, group: "counter")
        #expect(pending.count == 3)
        await harness.close()
    }

    @Test("a worker that crashes holding entries it read ahead (after one batch's settlement, before the next one's commit): another consumer redelivers them, each handled once")
    func crashWithEntriesReadAhead() async throws {
        let harness = try await Harness.make()
        for i in 0..<250 { try await harness.publish("k\(i)") }
        let batches = Counter()
        // Batch 1 commits and settles (reading batch 2 with its settlement); batch 2 crashes before its commit.
        let crashing = harness.worker("a", ackWait: .milliseconds(500), hooks: .init(beforeCommit: { _ in
            if batches.next() == 2 { throw Crash() }
        }))
        await #expect(throws: Crash.self) { try await crashing.run() }
        #expect(try await harness.effects().count == 100)
        #expect(try await harness.pendingCount() == 100, "batch 2 was not read, or not held pending")

        let redelivered = Mutex(0)
        let survivor = harness.worker("b", ackWait: .milliseconds(500), hooks: .init(afterCommit: { messages in
            redelivered.withLock { $0 += messages.filter { $0.deliveryCount > 1 }.count }
        }))
        let running = Task { try await survivor.run() }
        #expect(try await harness.eventually { try await harness.effects().count == 250 })
        #expect(try await harness.eventually { try await harness.drained() })
        #expect(try await harness.effects().values.allSatisfy { $0 == 1 })
        #expect(redelivered.withLock { $0 } == 100)
        survivor.stop()
        try await running.value
        await harness.close()
    }
}

/// Forwards to a real client and counts the round trips asked of it.
private final class CountingSender: RedisCommandSender {
    let redis: RedisClient
    let pipelines = Mutex(0)

    init(_ redis: RedisClient) { self.redis = redis }

    func send(_ command: RedisCommand) async throws -> RedisReply {
        pipelines.withLock { $0 += 1 }
        return try await redis.send(command)
    }

    func pipeline(_ commands: [RedisCommand]) async throws -> [Result<RedisReply, RedisError>] {
        pipelines.withLock { $0 += 1 }
        return try await redis.pipeline(commands)
    }
}
