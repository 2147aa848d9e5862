import Admin
import Contracts
import FleetTestSupport
import Foundation
import Logging
import RedisClient
import Synchronization
import Testing
import WorkerRuntime

@Suite("replaying to real workers", .timeLimit(.minutes(3)))
struct ReplayWithWorkersTests {
    @Test("a replayed dead letter is handled exactly once, and a group that handled it before drops the copy by its inbox")
    func replayIsHandledOnce() async throws {
        let harness = try await ServiceHarness.make()
        try await harness.database.query("CREATE TABLE effects (consumer_group text NOT NULL, message_id uuid NOT NULL)")
        let stream = harness.keys.events(.orderCreated)
        let healed = Mutex(false)

        // "flaky" fails every delivery until healed, so after two it goes to the dead letters;
        // "steady" reads the same stream and handles the message the first time.
        var flaky = ServiceDefinition(name: "flaky")
        flaky.on("thing", in: stream) { message, context in
            guard healed.withLock({ $0 }) else { throw Broken() }
            context.execute("INSERT INTO effects (consumer_group, message_id) VALUES (\("flaky"), \(message.envelope.id))")
        }
        var steady = ServiceDefinition(name: "steady")
        steady.on("thing", in: stream) { message, context in
            context.execute("INSERT INTO effects (consumer_group, message_id) VALUES (\("steady"), \(message.envelope.id))")
        }
        var configuration = harness.configuration(consumer: "flaky-1")
        configuration.maxDeliveries = 2
        var logger = Logger(label: "flaky-worker")
        logger.logLevel = .critical
        let flakyWorker = Worker(configuration: configuration, service: flaky, logger: logger)
        let flakyRun = Task { try await flakyWorker.run() }
        let steadyWorker = try await harness.start(steady, consumer: "steady-1")

        func effects(_ group: String) async throws -> Int {
            let rows = try await harness.database.query("SELECT count(*)::int8 FROM effects WHERE consumer_group = \(group)")
            return Int(try rows.first?.decode(Int64.self, at: 0) ?? 0)
        }
        /// Every group has read every entry and acknowledged it.
        func settled() async throws -> Bool {
            let groups = try await harness.redis.xinfoGroups(stream)
            return groups.count == 2 && groups.allSatisfy { $0.lag == 0 && $0.pending == 0 }
        }

        let envelope = Envelope(type: "thing", data: "{}")
        try await harness.redis.xadd(stream, fields: envelope.fields)
        let dead = harness.keys.dead(stream)
        #expect(try await harness.eventually(timeout: .seconds(60)) { try await harness.redis.xlen(dead) == 1 })
        #expect(try await harness.eventually { try await settled() })
        #expect(try await effects("steady") == 1)
        #expect(try await effects("flaky") == 0)

        healed.withLock { $0 = true }
        let admin = Admin(keys: harness.keys, redis: harness.redis)
        let letter = try #require(try await admin.deadLetters().letters.first)
        #expect(letter.group == "flaky" && letter.messageID == envelope.id.uuidString.lowercased())
        let report = try await admin.replay(letter.id)
        #expect(report.replayed.count == 1)

        #expect(try await harness.eventually(timeout: .seconds(60)) { try await effects("flaky") == 1 })
        #expect(try await harness.eventually { try await settled() })
        #expect(try await harness.redis.xlen(stream) == 2)
        #expect(try await effects("flaky") == 1)
        #expect(try await effects("steady") == 1)
        #expect(try await harness.redis.xlen(dead) == 0)

        flakyWorker.stop()
        try await flakyRun.value
        try await steadyWorker.stop()
        await harness.close()
    }
    @Test("a message of a type the group has no handler for is dead-lettered on its first delivery and blocks nothing; replayed, it comes back as one new letter, not a loop")
    func noHandlerIsDeadLetteredOnce() async throws {
        let harness = try await ServiceHarness.make()
        try await harness.database.query("CREATE TABLE effects (message_id uuid NOT NULL)")
        let stream = harness.keys.events(.orderCreated)
        var service = ServiceDefinition(name: "known")
        service.on("thing", in: stream) { message, context in
            context.execute("INSERT INTO effects (message_id) VALUES (\(message.envelope.id))")
        }
        let worker = try await harness.start(service, consumer: "known-1")
        let stranger = Envelope(type: "thing:unheard-of", data: "{}")
        try await harness.redis.xadd(stream, fields: stranger.fields)
        let after = Envelope(type: "thing", data: "{}")
        try await harness.redis.xadd(stream, fields: after.fields)

        func settled() async throws -> Bool {
            let group = try await harness.redis.xinfoGroups(stream).first { $0.name == "known" }
            return group?.lag == 0 && group?.pending == 0
        }
        let dead = harness.keys.dead(stream)
        #expect(try await harness.eventually(timeout: .seconds(30)) { try await harness.deadLetters(of: stream) == 1 })
        #expect(try await harness.eventually { try await settled() })
        try await harness.awaitHandled([after], by: "known")
        let admin = Admin(keys: harness.keys, redis: harness.redis)
        let letter = try #require(try await admin.deadLetters().letters.first)
        #expect(letter.messageID == stranger.id.uuidString.lowercased())
        #expect(letter.deliveries == 1, "it was retried instead of set aside at once")
        #expect(letter.error?.contains("no handler for type thing:unheard-of") == true)
        #expect(letter.replayable)

        let report = try await admin.replayAll()
        #expect(report.replayed.map(\.deadLetterID) == [letter.id])
        // The worker sets it aside again, once: one new letter, and the replay is over.
        #expect(try await harness.eventually(timeout: .seconds(30)) {
            try await harness.redis.xrange(dead).map(\.id).first.map { $0 != letter.id } ?? false
        })
        #expect(try await harness.eventually { try await settled() })
        #expect(try await harness.redis.xlen(dead) == 1)
        #expect(try await harness.redis.xlen(stream) == 3)
        #expect(try await harness.database.query("SELECT count(*)::int8 FROM effects").decodeColumn(Int.self) == [1])
        try await worker.stop()
        await harness.close()
    }
}

struct Broken: Error, CustomStringConvertible {
    var description: String { "not healed yet" }
}
