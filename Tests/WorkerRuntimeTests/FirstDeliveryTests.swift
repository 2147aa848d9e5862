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
        #expect(try await harness.eventually { try await harness.pendingCount() == 0 })

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
}
