import Contracts
import Foundation
import Logging
import Synchronization
import Testing
@testable import WorkerRuntime

/// A batch of entries read for the first time skips the inbox check; a message handled before
/// is then found by the inbox insert, and the batch runs again with the check.
@Suite("first deliveries without the inbox check", .timeLimit(.minutes(2)))
struct FirstDeliveryTests {
    @Test("a command handled before comes again as a new entry, its handler failing on its own earlier effect: a duplicate, no failure, no second delivery, its stored reply sent again")
    func duplicateThatFailsOnItsOwnEffect() async throws {
        let harness = try await Harness.make()
        try await harness.database.query("CREATE TABLE once (message_id uuid PRIMARY KEY, key text NOT NULL)")
        let runs = Counter()
        var service = ServiceDefinition(name: "counter")
        service.on("thing", in: harness.stream) { message, context in
            _ = runs.next()
            let body = try JSONDecoder().decode(ThingBody.self, from: Data(message.envelope.data.utf8))
            // A plain insert: run again for the same message it fails with a unique violation.
            context.execute("INSERT INTO once (message_id, key) VALUES (\(message.envelope.id), \(body.key))")
            context.reply(status: 201, body: #"{"run":\#(runs.current)}"#)
        }
        let deliveries = Mutex<[Int]>([])
        let worker = Worker(
            configuration: harness.configuration(consumer: "a"), service: service, logger: Logger(label: "test"),
            hooks: .init(afterCommit: { messages in deliveries.withLock { $0 += messages.map(\.deliveryCount) } }))
        let running = Task { try await worker.run() }

        let replies = harness.keys.replies("api-1")
        let command = try await harness.publish("k", replyTo: replies)
        #expect(try await harness.eventually { try await harness.redis.xlen(replies) == 1 })
        try await harness.redis.xadd(harness.stream, fields: command.fields)
        try await harness.publish("after", replyTo: replies)
        #expect(try await harness.eventually { try await harness.redis.xlen(replies) == 3 })
        #expect(try await harness.eventually { try await harness.drained() })

        let rows = try await harness.database.query("SELECT key FROM once ORDER BY key").decodeColumn(String.self)
        #expect(rows == ["after", "k"])
        let answers = try await harness.redis.xrange(replies).filter { $0["id"] == command.id.uuidString.lowercased() }
        #expect(answers.map { $0["body"] } == [#"{"run":1}"#, #"{"run":1}"#], "the second answer is not the stored one")
        #expect(deliveries.withLock { $0 }.allSatisfy { $0 == 1 }, "an entry needed a second delivery")
        #expect(try await harness.redis.send("HLEN", harness.keys.failures("counter")).asInt() == 0)
        #expect(try await harness.redis.xlen(harness.keys.dead(harness.stream)) == 0)
        worker.stop()
        try await running.value
        await harness.close()
    }

    @Test("a transaction-only command skips the inbox check: sent again, its handler runs and is rolled back, and its stored reply goes out; any other command is checked before its handler runs", arguments: [true, false])
    func commandCheckedOnlyWhenItMayActOutside(transactionOnly: Bool) async throws {
        let harness = try await Harness.make()
        let runs = Counter()
        let commands = harness.keys.custom("commands:thing")
        var service = ServiceDefinition(name: "counter")
        service.on("thing", in: commands, transactionOnly: transactionOnly) { message, context in
            _ = runs.next()
            let body = try JSONDecoder().decode(ThingBody.self, from: Data(message.envelope.data.utf8))
            // The harness's table has no unique key: only the inbox tells a duplicate's effect from a new one.
            context.execute("INSERT INTO effects (message_id, key) VALUES (\(message.envelope.id), \(body.key))")
            context.reply(status: 201, body: #"{"run":\#(runs.current)}"#)
        }
        let worker = Worker(configuration: harness.configuration(consumer: "a"), service: service, logger: Logger(label: "test"))
        let running = Task { try await worker.run() }

        let replies = harness.keys.replies("api-1")
        let data = String(decoding: try JSONEncoder().encode(ThingBody(key: "k", poison: false)), as: UTF8.self)
        let command = Envelope(type: "thing", data: data, correlationID: "c-k", replyTo: replies)
        try await harness.redis.xadd(commands, fields: command.fields)
        #expect(try await harness.eventually { try await harness.redis.xlen(replies) == 1 })
        try await harness.redis.xadd(commands, fields: command.fields)
        #expect(try await harness.eventually { try await harness.redis.xlen(replies) == 2 })
        #expect(try await harness.eventually { try await harness.redis.xpendingSummary(commands, group: "counter").count == 0 })

        #expect(try await harness.database.query("SELECT key FROM effects").decodeColumn(String.self) == ["k"])
        let answers = try await harness.redis.xrange(replies).map { $0["body"] }
        #expect(answers == [#"{"run":1}"#, #"{"run":1}"#], "the second answer is not the stored one")
        // Unchecked, the duplicate's handler ran once before the inbox insert found it.
        #expect(runs.current == (transactionOnly ? 2 : 1))
        #expect(try await harness.redis.xlen(harness.keys.dead(commands)) == 0)
        worker.stop()
        try await running.value
        await harness.close()
    }

    @Test("a transaction-only command committed by another consumer between its handler and its commit: the inbox insert fails, the batch runs again checked, one effect, the other's stored reply sent, no second delivery")
    func transactionOnlyCommandRacedToCommit() async throws {
        let harness = try await Harness.make()
        let commands = harness.keys.custom("commands:thing")
        var service = ServiceDefinition(name: "counter")
        service.on("thing", in: commands, transactionOnly: true) { message, context in
            let body = try JSONDecoder().decode(ThingBody.self, from: Data(message.envelope.data.utf8))
            context.execute("INSERT INTO effects (message_id, key) VALUES (\(message.envelope.id), \(body.key))")
            context.reply(status: 201, body: #"{"key":"here"}"#)
        }
        let replies = harness.keys.replies("api-1")
        let data = String(decoding: try JSONEncoder().encode(ThingBody(key: "k", poison: false)), as: UTF8.self)
        let command = Envelope(type: "thing", data: data, correlationID: "c-k", replyTo: replies)
        let attempts = Counter()
        let deliveries = Mutex<[Int]>([])
        let worker = Worker(
            configuration: harness.configuration(consumer: "a"), service: service, logger: Logger(label: "test"),
            hooks: .init(
                beforeCommit: { _ in if attempts.next() == 1 { try await harness.commitElsewhere(command, key: "k") } },
                afterCommit: { messages in deliveries.withLock { $0 += messages.map(\.deliveryCount) } }))
        let running = Task { try await worker.run() }
        try await harness.redis.xadd(commands, fields: command.fields)

        #expect(try await harness.eventually { try await harness.redis.xlen(replies) == 1 })
        #expect(try await harness.eventually { try await harness.redis.xpendingSummary(commands, group: "counter").count == 0 })
        #expect(try await harness.effects() == ["k": 1])
        #expect(attempts.current == 2, "the batch did not run again in place")
        #expect(deliveries.withLock { $0 } == [1])
        #expect(try await harness.redis.xrange(replies).map { $0["body"] } == [#"{"key":"elsewhere"}"#])
        #expect(try await harness.redis.xlen(harness.keys.dead(commands)) == 0)
        worker.stop()
        try await running.value
        await harness.close()
    }
}
