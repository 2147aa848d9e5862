import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Contracts
import Testing
@testable import WorkerRuntime

/// One process, several consumer loops (`CONCURRENCY`): the guarantees of several processes.
@Suite("consumer loops in one process", .timeLimit(.minutes(2)))
struct ConcurrencyTests {
    @Test("three loops handle batches side by side: every message once, events and acks complete")
    func loopsOverlap() async throws {
        let harness = try await Harness.make()
        for i in 0..<600 { try await harness.publish("k\(i)") }
        let overlap = Overlap()
        let worker = harness.worker("a", concurrency: 3, hooks: .init(beforeCommit: { _ in
            try await overlap.during { try await Task.sleep(for: .milliseconds(50)) }
        }))
        let running = Task { try await worker.run() }
        #expect(try await harness.eventually { try await harness.effects().count == 600 })
        #expect(try await harness.effects().values.allSatisfy { $0 == 1 })
        #expect(try await harness.eventually { try await harness.drained() })
        #expect(try await harness.eventually { try await harness.redis.xlen(harness.keys.custom("events:counted")) == 600 })
        #expect(overlap.most >= 2, "batches never overlapped; the loops did not run side by side")
        let consumers = try await harness.redis.xinfoConsumers(harness.stream, group: "counter")
        #expect(consumers.map(\.name) == ["a"])  // the loops share the process's consumer name
        worker.stop()
        try await running.value
        await harness.close()
    }

    @Test("a service that reads commands and events reads them in loops of their own, CONCURRENCY for each")
    func commandLane() {
        let keys = KeySpace(prefix: "p")
        let commands = keys.commands(.orders), created = keys.events(.ticketCreated), updated = keys.events(.ticketUpdated)
        #expect(Worker.lanes(of: [commands, created, updated], keys: keys, concurrency: 1) == [[commands], [created, updated]])
        #expect(Worker.lanes(of: [commands, created, updated], keys: keys, concurrency: 2) == [[commands], [commands], [created, updated], [created, updated]])
        #expect(Worker.lanes(of: [created, updated], keys: keys, concurrency: 2) == [[created, updated], [created, updated]])
        #expect(Worker.lanes(of: [commands], keys: keys, concurrency: 1) == [[commands]])
    }

    @Test("a command is handled and answered while a batch of events is held in its commit")
    func commandDoesNotWaitForEvents() async throws {
        let harness = try await Harness.make()
        let commands = harness.keys.commands(.orders)
        var service = harness.countingService()
        service.on("thing", in: commands) { message, context in
            context.execute("INSERT INTO effects (message_id, key) VALUES (\(message.envelope.id), 'command')")
            context.reply(status: 201, body: "{}")
        }
        let release = Mutex(false)
        let held = Counter()
        let worker = Worker(
            configuration: harness.configuration(consumer: "a"), service: service, logger: Logger(label: "test"),
            hooks: .init(beforeCommit: { messages in
                guard messages.contains(where: { $0.stream == harness.stream }) else { return }
                _ = held.next()
                while !release.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
            }))
        let running = Task { try await worker.run() }
        try await harness.publish("event")
        #expect(try await harness.eventually(timeout: .seconds(60)) { held.current == 1 })

        let replies = harness.keys.replies("api-1")
        try await harness.redis.xadd(commands, fields: Envelope(type: "thing", data: "{}", replyTo: replies).fields)
        #expect(try await harness.eventually { try await harness.redis.xlen(replies) == 1 })
        #expect(try await harness.effects() == ["command": 1], "the event's batch was not still held")

        release.withLock { $0 = true }
        #expect(try await harness.eventually { try await harness.effects() == ["command": 1, "event": 1] })
        worker.stop()
        try await running.value
        await harness.close()
    }

    @Test("a crash after one loop's commit while others are mid-batch: redelivered, one effect each")
    func crashWithLoopsInFlight() async throws {
        let harness = try await Harness.make()
        for i in 0..<300 { try await harness.publish("k\(i)") }
        let commits = Counter()
        let crashing = harness.worker("a", ackWait: .milliseconds(500), concurrency: 3, hooks: .init(
            beforeCommit: { _ in try await Task.sleep(for: .milliseconds(20)) },
            afterCommit: { _ in if commits.next() == 2 { throw Crash() } }))
        await #expect(throws: Crash.self) { try await crashing.run() }
        #expect(try await harness.pendingCount() > 0)

        let survivor = harness.worker("b", ackWait: .milliseconds(500), concurrency: 2)
        let running = Task { try await survivor.run() }
        #expect(try await harness.eventually { try await harness.drained() })
        #expect(try await harness.effects() == Dictionary(uniqueKeysWithValues: (0..<300).map { ("k\($0)", 1) }))
        #expect(try await harness.eventually { try await harness.redis.xlen(harness.keys.custom("events:counted")) >= 300 })
        survivor.stop()
        try await running.value
        await harness.close()
    }

    @Test("graceful shutdown with two loops mid-batch: both batches finish and are acknowledged")
    func gracefulShutdownWithLoops() async throws {
        let harness = try await Harness.make()
        for i in 0..<500 { try await harness.publish("k\(i)") }
        let overlap = Overlap()
        let worker = harness.worker("a", concurrency: 2, hooks: .init(beforeCommit: { _ in
            try await overlap.during { try await Task.sleep(for: .milliseconds(300)) }
        }))
        let group = ServiceGroup(services: [worker], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        // Shut down while both loops hold a batch between their handlers and their commit.
        #expect(try await harness.eventually { overlap.current == 2 })
        await group.triggerGracefulShutdown()
        try await running.value
        let handled = try await harness.effects().count
        #expect(handled >= 200 && handled < 500)
        #expect(try await harness.pendingCount() == 0)

        let next = harness.worker("b")
        let resumed = Task { try await next.run() }
        #expect(try await harness.eventually { try await harness.effects().count == 500 })
        #expect(try await harness.effects().values.allSatisfy { $0 == 1 })
        #expect(try await harness.eventually { try await harness.redis.xlen(harness.keys.custom("events:counted")) == 500 })
        next.stop()
        try await resumed.value
        await harness.close()
    }
}

/// How many batches are inside `during` at once, and the most there ever were.
final class Overlap: @unchecked Sendable {
    private let lock = NSLock()
    private var inside = 0
    private var highest = 0

    var current: Int { lock.withLock { inside } }
    var most: Int { lock.withLock { highest } }

    func during(_ body: () async throws -> Void) async throws {
        lock.withLock {
            inside += 1
            highest = max(highest, inside)
        }
        defer { lock.withLock { inside -= 1 } }
        try await body()
    }
}
