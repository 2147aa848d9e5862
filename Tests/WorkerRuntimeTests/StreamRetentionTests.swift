import Contracts
import Foundation
import Logging
import RedisClient
import Testing
@testable import WorkerRuntime

@Suite("stream retention", .timeLimit(.minutes(2)))
struct StreamRetentionTests {
    @Test("trimming stops at the oldest entry a group still needs, keeps the floor, and then follows the acknowledgements")
    func trimsOnlyAcknowledged() async throws {
        let harness = try await Harness.make()
        let stream = harness.stream
        var ids: [String] = []
        for index in 0..<1_000 { ids.append(try await harness.redis.xadd(stream, fields: [("n", String(index))])) }
        let retention = retention(harness, keepEntries: 10)
        #expect(try await retention.trim(stream) == 0, "a stream with no group is left alone")

        for group in ["fast", "slow", "idle"] { _ = try await harness.redis.xgroupCreate(stream, group: group, startID: "0") }
        #expect(try await retention.trim(stream) == 0, "a group that read nothing needs everything")
        try await harness.redis.xgroupDestroy(stream, group: "idle")

        let fast = try await harness.redis.xreadgroup(group: "fast", consumer: "c", stream: stream, count: 1_000)
        #expect(try await harness.redis.xack(stream, group: "fast", ids: fast.map(\.id)) == 1_000)
        let slow = try await harness.redis.xreadgroup(group: "slow", consumer: "c", stream: stream, count: 600)
        // Entries 300..<400 stay pending: the slow group still needs them, and all after them.
        _ = try await harness.redis.xack(stream, group: "slow", ids: Array(slow.map(\.id)[0..<300]) + Array(slow.map(\.id)[400..<600]))

        let removed = try await retention.trim(stream)
        #expect(removed > 0 && removed <= 300)
        #expect(try await harness.redis.xrange(stream, start: ids[300]).count == 700, "an entry a group still needs was trimmed")
        #expect(try await harness.redis.xlen(stream) == 1_000 - removed)

        _ = try await harness.redis.xack(stream, group: "slow", ids: Array(slow.map(\.id)[300..<400]))
        let rest = try await harness.redis.xreadgroup(group: "slow", consumer: "c", stream: stream, count: 1_000)
        _ = try await harness.redis.xack(stream, group: "slow", ids: rest.map(\.id))
        _ = try await retention.trim(stream)
        let left = try await harness.redis.xlen(stream)
        // At least the floor; whole nodes only, so a node's worth (100) more at the most beside it.
        #expect(left >= 10 && left <= 10 + 200, "\(left) entries left")
        #expect(try await harness.redis.xrange(stream, start: ids[990]).count == 10)
        await harness.close()
    }

    @Test("the floors hold: fewer entries than the count floor, or entries younger than the age floor, are never trimmed")
    func floorsHold() async throws {
        let harness = try await Harness.make()
        let stream = harness.stream
        for index in 0..<500 { _ = try await harness.redis.xadd(stream, fields: [("n", String(index))]) }
        _ = try await harness.redis.xgroupCreate(stream, group: "g", startID: "0")
        let read = try await harness.redis.xreadgroup(group: "g", consumer: "c", stream: stream, count: 500)
        _ = try await harness.redis.xack(stream, group: "g", ids: read.map(\.id))

        #expect(try await retention(harness, keepEntries: 500).trim(stream) == 0)
        #expect(try await retention(harness, keepEntries: 0, keepAge: .seconds(3_600)).trim(stream) == 0)
        #expect(try await harness.redis.xlen(stream) == 500)
        #expect(try await retention(harness, keepEntries: 0).trim(stream) > 0)
        await harness.close()
    }

    @Test("a running worker trims its stream by itself; every message still has exactly one effect and the dead letters stay")
    func workerTrimsWhileConsuming() async throws {
        let harness = try await Harness.make()
        var logger = Logger(label: "test-worker")
        logger.logLevel = .critical
        var configuration = harness.configuration(consumer: "a", maxDeliveries: 2)
        configuration.streamKeepEntries = 50
        configuration.streamTrimInterval = .milliseconds(20)
        let worker = Worker(configuration: configuration, service: harness.countingService(), logger: logger)
        let running = Task { try await worker.run() }
        try await harness.publish("poison", poison: true)
        for index in 0..<1_500 { try await harness.publish("k\(index)") }
        #expect(try await harness.eventually { try await harness.effects().count == 1_500 })
        #expect(try await harness.eventually { try await harness.redis.xlen(harness.stream) < 300 }, "the worker did not trim")

        // More traffic while a second copy trims the same stream at the same time.
        let copy = retention(harness, keepEntries: 50)
        let trimming = Task {
            while !Task.isCancelled { _ = try? await copy.trim(harness.stream) }
        }
        for index in 1_500..<3_000 { try await harness.publish("k\(index)") }
        #expect(try await harness.eventually { try await harness.effects().count == 3_000 })
        trimming.cancel()
        await trimming.value
        #expect(try await harness.eventually { try await harness.redis.xlen(harness.stream) < 300 })
        #expect(try await harness.effects().values.allSatisfy { $0 == 1 })
        #expect(try await harness.redis.xlen(harness.stream) >= 50)
        #expect(try await harness.redis.xlen(harness.keys.dead(harness.stream)) == 1)
        worker.stop()
        try await running.value
        await harness.close()
    }

    private func retention(_ harness: Harness, keepEntries: Int, keepAge: Duration = .zero) -> StreamRetention {
        var configuration = harness.configuration(consumer: "trimmer")
        configuration.streamKeepEntries = keepEntries
        configuration.streamKeepAge = keepAge
        return StreamRetention(
            streams: [harness.stream], configuration: configuration, redis: harness.redis,
            metrics: WorkerMetrics(service: "counter", streams: [harness.stream]), logger: Logger(label: "retention"))
    }
}
