import Contracts
import Foundation
import RedisClient
import ServiceLifecycle
import Logging
import Synchronization
import Testing
@testable import WorkerRuntime

@Suite("delivery guarantees", .timeLimit(.minutes(2)))
struct DeliveryGuaranteeTests {
    @Test("every message is handled once, its reply sent and its event published")
    func happyPath() async throws {
        let harness = try await Harness.make()
        let replies = harness.keys.replies("api-1")
        for i in 0..<250 { try await harness.publish("k\(i)", replyTo: replies) }
        let worker = harness.worker("a")
        let running = Task { try await worker.run() }
        #expect(try await harness.eventually { try await harness.effects().count == 250 })
        #expect(try await harness.eventually { try await harness.redis.xlen(harness.keys.custom("events:counted")) == 250 })
        #expect(try await harness.eventually { try await harness.redis.xlen(replies) == 250 })
        // Each event's publication effect went out with it.
        #expect(try await harness.countedKeysPublished() == Set((0..<250).map { "k\($0)" }))
        #expect(try await harness.effects().values.allSatisfy { $0 == 1 })
        #expect(try await harness.pendingCount() == 0)
        let reply = try await harness.redis.xrange(replies, count: 1).first
        #expect(reply?["status"] == "201")
        #expect(reply?["body"] == #"{"key":"k0"}"#)
        // The reply stream expires if its API copy goes away (an hour, pushed back as it is used).
        let ttl = try await harness.redis.send(RedisCommand("PTTL", replies)).int ?? -2
        #expect(ttl > 3_000_000 && ttl <= 3_600_000, "PTTL \(ttl)")
        worker.stop()
        try await running.value
        await harness.close()
    }

    @Test("a crash after commit but before ack: redelivered, one effect, the stored reply sent again, the events published once by the relay with their publication effects")
    func crashAfterCommit() async throws {
        let harness = try await Harness.make()
        let replies = harness.keys.replies("api-1")
        for i in 0..<20 { try await harness.publish("k\(i)", replyTo: replies) }
        let crashing = harness.worker("a", ackWait: .milliseconds(500), hooks: .init(afterCommit: { _ in throw Crash() }))
        await #expect(throws: Crash.self) { try await crashing.run() }
        #expect(try await harness.effects().count == 20)
        #expect(try await harness.redis.xlen(replies) == 0)
        #expect(try await harness.pendingCount() == 20)
        #expect(try await harness.countedKeysPublished().isEmpty)

        let survivor = harness.worker("b", ackWait: .milliseconds(500))
        let running = Task { try await survivor.run() }
        #expect(try await harness.eventually { try await harness.drained() })
        #expect(try await harness.effects() == Dictionary(uniqueKeysWithValues: (0..<20).map { ("k\($0)", 1) }))
        #expect(try await harness.eventually { try await harness.redis.xlen(replies) == 20 })
        // The crashed batch's events never left the outbox; the survivor's relay publishes them
        // once they are stale, and its own (duplicate) handling publishes none.
        let counted = harness.keys.custom("events:counted")
        #expect(try await harness.eventually { try await harness.redis.xlen(counted) == 20 })
        // Their publication effects went out with them, from the relay.
        #expect(try await harness.countedKeysPublished() == Set((0..<20).map { "k\($0)" }))
        survivor.stop()
        try await running.value
        #expect(try await harness.redis.xlen(counted) == 20)
        await harness.close()
    }

    @Test("a crash before commit: redelivered, one effect")
    func crashBeforeCommit() async throws {
        let harness = try await Harness.make()
        for i in 0..<20 { try await harness.publish("k\(i)") }
        let crashing = harness.worker("a", ackWait: .milliseconds(500), hooks: .init(beforeCommit: { _ in throw Crash() }))
        await #expect(throws: Crash.self) { try await crashing.run() }
        #expect(try await harness.effects().isEmpty)
        #expect(try await harness.pendingCount() == 20)

        let survivor = harness.worker("b", ackWait: .milliseconds(500))
        let running = Task { try await survivor.run() }
        #expect(try await harness.eventually { try await harness.drained() })
        #expect(try await harness.effects() == Dictionary(uniqueKeysWithValues: (0..<20).map { ("k\($0)", 1) }))
        survivor.stop()
        try await running.value
        await harness.close()
    }

    @Test("two consumers in one group split the work: no overlap, nothing missing")
    func twoConsumersSplit() async throws {
        let harness = try await Harness.make()
        // What each consumer committed, as the commit hook saw it.
        let committed = (a: MessageLog(), b: MessageLog())
        let first = harness.worker("a", slow: .milliseconds(2), hooks: .init(afterCommit: { committed.a.add($0) }))
        let second = harness.worker("b", slow: .milliseconds(2), hooks: .init(afterCommit: { committed.b.add($0) }))
        let runs = [Task { try await first.run() }, Task { try await second.run() }]
        // Both consume (migrated, groups joined) before anything is published.
        for worker in [first, second] {
            let consuming = try await harness.eventually { await worker.readiness.isReady() }
            #expect(consuming)
        }
        var published: Set<UUID> = []
        for i in 0..<600 { published.insert(try await harness.publish("k\(i)").id) }
        #expect(try await harness.eventually { try await harness.effects().count == 600 })
        #expect(try await harness.effects().values.allSatisfy { $0 == 1 })
        // The hook runs after each commit and before its ack: once nothing is pending, every
        // batch's hook has run.
        #expect(try await harness.eventually { try await harness.drained() })
        #expect(!committed.a.ids.isEmpty && !committed.b.ids.isEmpty, "one consumer did all the work")
        #expect(committed.a.ids.isDisjoint(with: committed.b.ids), "an entry was handled by both")
        #expect(committed.a.ids.union(committed.b.ids) == published)
        #expect(try await harness.pendingCount() == 0)
        first.stop()
        second.stop()
        for run in runs { try await run.value }
        await harness.close()
    }

    @Test("a killed consumer's pending entries are claimed and finished by another")
    func deadConsumerTakenOver() async throws {
        let harness = try await Harness.make()
        for i in 0..<30 { try await harness.publish("k\(i)") }
        // A consumer that read its batch and died before doing anything with it.
        _ = try await harness.redis.xgroupCreate(harness.stream, group: "counter", startID: "0")
        let taken = try await harness.redis.xreadgroup(group: "counter", consumer: "dead", stream: harness.stream, count: 30)
        #expect(taken.count == 30)

        let survivor = harness.worker("b", ackWait: .milliseconds(400))
        let running = Task { try await survivor.run() }
        #expect(try await harness.eventually { try await harness.effects().count == 30 })
        #expect(try await harness.eventually { try await harness.drained() })
        #expect(try await harness.effects().values.allSatisfy { $0 == 1 })
        survivor.stop()
        try await running.value
        await harness.close()
    }

    @Test("an event handled before that comes again as a new entry (published twice, replayed) is dropped by its id")
    func eventAgainIsDuplicate() async throws {
        let harness = try await Harness.make()
        // No reply, as for every event: the inbox row has no reply status.
        var service = ServiceDefinition(name: "counter")
        service.on("thing", in: harness.stream) { message, context in
            let body = try JSONDecoder().decode(ThingBody.self, from: Data(message.envelope.data.utf8))
            context.execute("INSERT INTO effects (message_id, key) VALUES (\(message.envelope.id), \(body.key))")
        }
        let once = try await harness.publish("once")
        try await harness.publish("other")
        var logger = Logger(label: "test-worker")
        logger.logLevel = .critical
        let worker = Worker(configuration: harness.configuration(consumer: "a"), service: service, logger: logger)
        let running = Task { try await worker.run() }
        #expect(try await harness.eventually { try await harness.effects().count == 2 })
        try await harness.redis.xadd(harness.stream, fields: once.fields)
        try await harness.publish("after")
        #expect(try await harness.eventually { try await harness.effects()["after"] == 1 })
        #expect(try await harness.eventually { try await harness.drained() })
        #expect(try await harness.effects() == ["once": 1, "other": 1, "after": 1])
        #expect(try await harness.redis.xlen(harness.keys.dead(harness.stream)) == 0)
        worker.stop()
        try await running.value
        await harness.close()
    }

    @Test("an envelope whose id is not in the 36-character form goes to the dead letters on its first delivery; the messages around it in its batch commit once")
    func looseIDIsDeadLettered() async throws {
        let harness = try await Harness.make()
        for i in 0..<5 { try await harness.publish("k\(i)") }
        // A leading space: libc's sscanf, behind UUID(uuidString:), read past it.
        let data = String(decoding: try JSONEncoder().encode(ThingBody(key: "loose", poison: false)), as: UTF8.self)
        let fields = Envelope(type: "thing", data: data).fields.map { name, value in
            name == EnvelopeField.id ? (name, " " + value.dropFirst()) : (name, value)
        }
        try await harness.redis.xadd(harness.stream, fields: fields)
        for i in 5..<10 { try await harness.publish("k\(i)") }
        let worker = harness.worker("a", maxDeliveries: 3)
        let running = Task { try await worker.run() }
        #expect(try await harness.eventually { try await harness.drained() })
        #expect(try await harness.effects() == Dictionary(uniqueKeysWithValues: (0..<10).map { ("k\($0)", 1) }))
        let letters = try await harness.redis.xrange(harness.keys.dead(harness.stream))
        #expect(letters.count == 1)
        #expect(letters.first?["dead_deliveries"] == "1")
        #expect(letters.first?["dead_error"]?.contains("malformed") == true)
        worker.stop()
        try await running.value
        await harness.close()
    }

    @Test("a poison message reaches the dead-letter stream after N deliveries and blocks nothing")
    func poisonIsDeadLettered() async throws {
        let harness = try await Harness.make()
        try await harness.publish("bad", poison: true)
        for i in 0..<50 { try await harness.publish("k\(i)") }
        // An entry that is not an envelope at all goes straight to the dead letters.
        try await harness.redis.xadd(harness.stream, fields: [("hello", "world")])
        let worker = harness.worker("a", maxDeliveries: 3)
        let running = Task { try await worker.run() }
        #expect(try await harness.eventually { try await harness.effects().count == 50 })
        let dead = harness.keys.dead(harness.stream)
        #expect(try await harness.eventually { try await harness.redis.xlen(dead) == 2 })
        #expect(try await harness.eventually { try await harness.drained() })
        let letters = try await harness.redis.xrange(dead)
        let poison = try #require(letters.first { $0["type"] == "thing" })
        #expect(poison["dead_deliveries"] == "3")
        #expect(poison["dead_error"]?.contains("poison message bad") == true)
        #expect(poison["dead_group"] == "counter")
        #expect(poison["data"]?.contains("\"bad\"") == true)
        let malformed = try #require(letters.first { $0["hello"] == "world" })
        #expect(malformed["dead_error"]?.contains("malformed") == true)
        #expect(try await harness.redis.send("HLEN", harness.keys.failures("counter")).asInt() == 0)
        worker.stop()
        try await running.value
        await harness.close()
    }

    @Test("a command given up on: its sender hears one final 500, kept for a poll, even with two consumers racing")
    func givenUpCommandIsAnswered() async throws {
        let harness = try await Harness.make()
        let replies = harness.keys.replies("api-1")
        let poison = try await harness.publish("bad", poison: true, replyTo: replies)
        let good = try await harness.publish("good", replyTo: replies)
        let workers = [
            harness.worker("a", ackWait: .milliseconds(300), maxDeliveries: 2),
            harness.worker("b", ackWait: .milliseconds(300), maxDeliveries: 2),
        ]
        let runs = workers.map { worker in Task { try await worker.run() } }
        let dead = harness.keys.dead(harness.stream)
        #expect(try await harness.eventually { try await harness.redis.xlen(dead) == 1 })
        #expect(try await harness.eventually { try await harness.drained() })
        // Both stopped: whatever either would still have sent is in the stream now.
        for worker in workers { worker.stop() }
        for run in runs { try await run.value }

        let answers = try await harness.redis.xrange(replies)
        let poisonID = poison.id.uuidString.lowercased()
        let given = answers.filter { $0["id"] == poisonID }
        #expect(given.count == 1)
        #expect(given.first?["status"] == String(GivenUpCommand.status))
        #expect(given.first?["body"] == GivenUpCommand.body)
        // The good command is answered, and only ever 201. It may be answered twice: when the
        // other consumer claims it between one's commit and its ack, the inbox makes the second
        // handling a duplicate whose stored reply goes out again (delivery rule 2); the API takes
        // the first answer for an id.
        let goodAnswers = answers.filter { $0["id"] == good.id.uuidString.lowercased() }.map { $0["status"] }
        #expect(!goodAnswers.isEmpty)
        #expect(goodAnswers.allSatisfy { $0 == "201" })
        #expect(try await harness.redis.getString(harness.keys.commandFailure(poisonID)) == GivenUpCommand.body)
        #expect(try await harness.redis.getString(harness.keys.commandFailure(good.id.uuidString.lowercased())) == nil)
        await harness.close()
    }

    @Test("graceful shutdown mid-batch: the batch in flight finishes and is acknowledged; the rest waits")
    func gracefulShutdownLosesNothing() async throws {
        let harness = try await Harness.make()
        for i in 0..<300 { try await harness.publish("k\(i)") }
        let started = Counter()
        let draining = Mutex(false)
        // The first batch waits between its handlers and its commit until the worker drains.
        let worker = harness.worker("a", slow: .milliseconds(5), hooks: .init(beforeCommit: { _ in
            _ = started.next()
            while !draining.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        }))
        let group = ServiceGroup(services: [worker], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        // The worker migrates and joins its group first: on a loaded machine that can take a while.
        #expect(try await harness.eventually(timeout: .seconds(60)) { started.current >= 1 })
        await group.triggerGracefulShutdown()
        // The worker has begun to drain once its readiness says so.
        #expect(try await harness.eventually { await !worker.readiness.isReady() })
        draining.withLock { $0 = true }
        try await running.value
        // Exactly the one batch in flight (BATCH_SIZE 100 of the 300 waiting) was finished.
        #expect(try await harness.effects().count == 100)
        #expect(started.current == 1)
        #expect(try await harness.pendingCount() == 0)  // nothing was left half-done
        // Its events went out with the stopping worker's last flush, not a later worker's relay.
        #expect(try await harness.redis.xlen(harness.keys.custom("events:counted")) == 100)

        let next = harness.worker("b")
        let resumed = Task { try await next.run() }
        #expect(try await harness.eventually { try await harness.effects().count == 300 })
        #expect(try await harness.effects().values.allSatisfy { $0 == 1 })
        #expect(try await harness.eventually { try await harness.redis.xlen(harness.keys.custom("events:counted")) == 300 })
        next.stop()
        try await resumed.value
        await harness.close()
    }
}

@Suite("streams deleted when handled", .timeLimit(.minutes(2)))
struct DeleteWhenHandledTests {
    @Test("entries of a stream marked deleteWhenHandled are gone once handled; failures stay")
    func secretsDoNotLinger() async throws {
        let harness = try await Harness.make()
        var service = ServiceDefinition(name: "counter")
        service.on("thing", in: harness.stream, deleteWhenHandled: true) { message, context in
            let body = try JSONDecoder().decode(ThingBody.self, from: Data(message.envelope.data.utf8))
            if body.poison == true { throw PoisonError(key: body.key) }
            context.execute("INSERT INTO effects (message_id, key) VALUES (\(message.envelope.id), \(body.key))")
        }
        for i in 0..<20 { try await harness.publish("k\(i)") }
        try await harness.publish("bad", poison: true)
        let worker = Worker(configuration: harness.configuration(consumer: "a"), service: service, logger: Logger(label: "test"))
        let running = Task { try await worker.run() }
        #expect(try await harness.eventually { try await harness.effects().count == 20 })
        #expect(try await harness.eventually { try await harness.redis.xlen(harness.stream) == 1 })
        worker.stop()
        try await running.value
        await harness.close()
    }
}
