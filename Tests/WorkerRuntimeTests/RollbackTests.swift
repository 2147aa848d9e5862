import Contracts
import Foundation
import Logging
import PostgresClient
import RedisClient
import Testing
@testable import WorkerRuntime

/// The rollback path: a failing message's writes go, the batch runs again without it, and the
/// rest commit once.
@Suite("one bad message does not undo the others", .timeLimit(.minutes(2)))
struct RollbackTests {
    @Test("a queued statement that breaks a constraint, and a handler that throws after its writes were sent, beside good messages in one batch: the good commit once, the bad are dead-lettered with their errors")
    func badMessagesInOneBatch() async throws {
        let harness = try await Harness.make()
        try await harness.database.query("CREATE TABLE strict (key text PRIMARY KEY CHECK (key <> 'bad'))")
        var service = harness.countingService()
        service.on("strict", in: harness.stream) { message, context in
            let body = try JSONDecoder().decode(ThingBody.self, from: Data(message.envelope.data.utf8))
            // Queued, not awaited: the check fails at the server when the batch is sent.
            context.execute("INSERT INTO strict (key) VALUES (\(body.key))")
            context.execute("INSERT INTO effects (message_id, key) VALUES (\(message.envelope.id), \(body.key))")
        }
        service.on("throws-late", in: harness.stream) { message, context in
            let body = try JSONDecoder().decode(ThingBody.self, from: Data(message.envelope.data.utf8))
            context.execute("INSERT INTO effects (message_id, key) VALUES (\(message.envelope.id), \(body.key))")
            _ = try await context.query("SELECT 1")  // the write above has reached the server
            throw PoisonError(key: body.key)
        }
        // All in the stream before the worker reads: one batch.
        var good: [String] = []
        for index in 0..<10 {
            try await harness.publish("t\(index)")
            good.append("t\(index)")
            if index % 3 == 0 {
                try await publish(harness, type: "strict", key: "s\(index)")
                good.append("s\(index)")
            }
        }
        try await publish(harness, type: "strict", key: "bad")
        try await publish(harness, type: "throws-late", key: "late")

        let worker = Worker(configuration: harness.configuration(consumer: "a", maxDeliveries: 2), service: service, logger: Logger(label: "test"))
        let running = Task { try await worker.run() }
        let dead = harness.keys.dead(harness.stream)
        #expect(try await harness.eventually { try await harness.redis.xlen(dead) == 2 })
        #expect(try await harness.eventually { try await harness.drained() })

        #expect(try await harness.effects() == Dictionary(uniqueKeysWithValues: good.map { ($0, 1) }))
        let strict = try await harness.database.query("SELECT key FROM strict ORDER BY key").decodeColumn(String.self)
        #expect(strict == good.filter { $0.hasPrefix("s") }.sorted())
        let errors = try await harness.redis.xrange(dead).reduce(into: [String: String]()) { found, entry in
            let key = (try? JSONDecoder().decode(ThingBody.self, from: Data((entry[EnvelopeField.data] ?? "").utf8)).key) ?? "?"
            found[key] = entry[DeadLetterField.error]
        }
        #expect(errors["bad"]?.contains("strict_key_check") == true, "\(errors)")
        #expect(errors["late"]?.contains("poison message late") == true, "\(errors)")
        worker.stop()
        try await running.value
        await harness.close()
    }

    @Test("handlers that read through continuations: each message gets its own rows and reply; a continuation that throws, and one whose statement breaks a constraint, fail only their own message")
    func continuationsInOneBatch() async throws {
        let harness = try await Harness.make()
        try await harness.database.query("CREATE TABLE strict (key text PRIMARY KEY CHECK (key <> 'bad'))")
        var service = ServiceDefinition(name: "counter")
        service.on("lookup", in: harness.stream) { message, context in
            let body = try JSONDecoder().decode(ThingBody.self, from: Data(message.envelope.data.utf8))
            context.query("SELECT upper(\(body.key))") { rows in
                let shouted = try rows.decodeColumn(String.self)[0]
                if body.key == "late" { throw PoisonError(key: body.key) }
                // A second step, queued by the continuation: it goes out with the commit.
                context.execute("INSERT INTO strict (key) VALUES (\(body.key))")
                context.execute("INSERT INTO effects (message_id, key) VALUES (\(message.envelope.id), \(body.key))")
                context.reply(status: 200, body: shouted)
            }
        }
        let replies = harness.keys.replies("api-1")
        let good = (0..<20).map { "k\($0)" }
        for key in good.prefix(10) { try await publish(harness, type: "lookup", key: key, replyTo: replies) }
        try await publish(harness, type: "lookup", key: "late", replyTo: replies)
        try await publish(harness, type: "lookup", key: "bad", replyTo: replies)
        for key in good.suffix(10) { try await publish(harness, type: "lookup", key: key, replyTo: replies) }

        let worker = Worker(configuration: harness.configuration(consumer: "a", maxDeliveries: 2), service: service, logger: Logger(label: "test"))
        let running = Task { try await worker.run() }
        let dead = harness.keys.dead(harness.stream)
        #expect(try await harness.eventually { try await harness.redis.xlen(dead) == 2 })
        #expect(try await harness.eventually { try await harness.drained() })
        #expect(try await harness.effects() == Dictionary(uniqueKeysWithValues: good.map { ($0, 1) }))
        let strict = try await harness.database.query("SELECT key FROM strict ORDER BY key").decodeColumn(String.self)
        #expect(strict == good.sorted())
        // The two set aside are answered too, with the given-up reply.
        let answered = try await harness.redis.xrange(replies)
        #expect(answered.filter { $0["status"] == "200" }.compactMap { $0["body"] }.sorted() == good.map { $0.uppercased() }.sorted())
        #expect(answered.filter { $0["status"] != "200" }.count == 2)
        let errors = try await harness.redis.xrange(dead).compactMap { $0[DeadLetterField.error] }
        #expect(errors.contains { $0.contains("poison message late") }, "\(errors)")
        #expect(errors.contains { $0.contains("strict_key_check") }, "\(errors)")
        worker.stop()
        try await running.value
        await harness.close()
    }

    private func publish(_ harness: Harness, type: String, key: String, replyTo: String? = nil) async throws {
        let data = String(decoding: try JSONEncoder().encode(ThingBody(key: key)), as: UTF8.self)
        try await harness.redis.xadd(harness.stream, fields: Envelope(type: type, data: data, replyTo: replyTo).fields)
    }
}
