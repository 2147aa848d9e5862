import Admin
import Contracts
import FleetTestSupport
import Foundation
import Testing
import WorkerRuntime

@Suite("trimming beside a running worker", .timeLimit(.minutes(3)))
struct TrimWhileConsumingTests {
    @Test("trim run over and over while a worker consumes, with entries pending for their retry and others not yet delivered, loses none: every entry is handled once")
    func trimLosesNothing() async throws {
        let harness = try await ServiceHarness.make()
        try await harness.database.query("CREATE TABLE effects (message_id uuid NOT NULL)")
        let stream = harness.keys.events(.orderCreated)
        var service = ServiceDefinition(name: "counter")
        // Every entry fails its first delivery, so entries sit pending until their retry reads
        // them back from the stream: a trim that dropped them would lose them.
        service.on("thing", in: stream) { message, context in
            if message.deliveryCount == 1 { throw FirstTry() }
            context.execute("INSERT INTO effects (message_id) VALUES (\(message.envelope.id))")
        }
        let worker = try await harness.start(service, consumer: "counter-1") {
            $0.batchSize = 20
            $0.maxDeliveries = 100
        }
        let admin = Admin(keys: harness.keys, redis: harness.redis)
        let trimming = Task {
            var removed = 0
            while !Task.isCancelled {
                do {
                    removed += try await admin.trim(stream: stream, dryRun: false).streams.first?.removed ?? 0
                } catch where Task.isCancelled {
                    break
                }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return removed
        }

        let total = 600
        for _ in 0..<(total / 50) {
            for _ in 0..<50 { try await harness.redis.xadd(stream, fields: Envelope(type: "thing", data: "{}").fields) }
            try await Task.sleep(for: .milliseconds(20))
        }
        func count() async throws -> Int {
            try await harness.database.query("SELECT count(*)::int8 FROM effects").decodeColumn(Int.self)[0]
        }
        let handled = try await harness.eventually(timeout: .seconds(60)) { try await count() == total }
        trimming.cancel()
        let removed = try await trimming.value
        let handledCount = try await count()
        #expect(handled, "\(handledCount) of \(total) entries were handled")
        #expect(try await harness.eventually {
            let group = try await harness.redis.xinfoGroups(stream).first { $0.name == "counter" }
            return group?.lag == 0 && group?.pending == 0
        })
        let (rows, distinct) = try #require(try await harness.database.query(
            "SELECT count(*)::int8, count(DISTINCT message_id)::int8 FROM effects").first).decode((Int, Int).self)
        #expect(rows == total && distinct == total, "\(rows) effects of \(distinct) entries, for \(total)")
        #expect(removed > 0, "the trims removed nothing, so they proved nothing")
        #expect(try await harness.deadLetters(of: stream) == 0)
        try await worker.stop()
        await harness.close()
    }
}

struct FirstTry: Error, CustomStringConvertible {
    var description: String { "the first try always fails" }
}
