import Contracts
import Foundation
import PostgresClient
import RedisClient
import Testing

/// Graceful shutdown of a real worker process, not the runtime in a test's process.
@Suite("a worker process stopped mid-work", .serialized, .timeLimit(.minutes(5)))
struct WorkerShutdownTests {
    @Test("SIGTERM to a tickets worker working through a backlog: it exits 0, its own last flush announced everything it committed, nothing is left pending, and the next worker does the rest once")
    func sigtermMidBacklog() async throws {
        let fleet = try await Fleet.start()
        let redis = try await RedisClient.connect(configuration: try RedisConfiguration(url: fleet.environment["REDIS_URL"]!))
        let database = PostgresClient(configuration: try PostgresConfiguration(fleet.environment["DATABASE_URL"]!, poolSize: 1))
        let keys = KeySpace(prefix: fleet.environment["KEY_PREFIX"]!)
        func count(_ query: PostgresQuery) async throws -> Int {
            try await database.query(query).decodeColumn(Int.self)[0]
        }

        // A backlog queued while no tickets worker runs.
        #expect(await fleet.process("tickets-worker")?.terminate() == 0)
        let total = 10_000
        let seller = RecordID.make()
        var appends: [RedisCommand] = []
        for index in 0..<total {
            let envelope = Envelope(
                type: CreateTicket.type, data: MessageCoding.encode(CreateTicket(title: "Seat \(index)", priceCents: 1_000)),
                correlationID: "shutdown", userID: seller, replyTo: keys.replies("shutdown-test"))
            var append = RedisCommand("XADD", keys.commands(.tickets), "*")
            for (name, value) in envelope.fields { append.append(contentsOf: [name, value]) }
            appends.append(append)
        }
        for chunk in stride(from: 0, to: total, by: 1_000) {
            for result in try await redis.pipeline(Array(appends[chunk..<chunk + 1_000])) { _ = try result.get() }
        }

        // Started, and stopped once it is working through the backlog.
        try fleet.launch("tickets-worker")
        let deadline = ContinuousClock.now + .seconds(60)
        while try await count("SELECT count(*)::int8 FROM tickets.tickets") == 0 {
            guard ContinuousClock.now < deadline else { throw FleetError("the tickets worker never started on its backlog:\n\(fleet.logs())") }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(await fleet.process("tickets-worker")?.terminate() == 0)

        let handled = try await count("SELECT count(*)::int8 FROM tickets.tickets")
        #expect(handled > 0 && handled < total, "stopped after \(handled) of \(total): not mid-backlog")
        // No other tickets worker runs: every event of what it committed went out in its own flush.
        #expect(try await count("SELECT count(*)::int8 FROM messaging.outbox WHERE service = 'tickets'") == 0)
        // Each of them reached the orders service, whose replica learns every ticket.
        let replicated = ContinuousClock.now + .seconds(60)
        while try await count("SELECT count(*)::int8 FROM orders.tickets") < handled, ContinuousClock.now < replicated {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await count("SELECT count(*)::int8 FROM orders.tickets") == handled)
        // Nothing half-done: what it read, it committed and acknowledged.
        #expect(try await redis.xpendingSummary(keys.commands(.tickets), group: ServiceName.tickets.rawValue).count == 0)

        try fleet.launch("tickets-worker")
        let finished = ContinuousClock.now + .seconds(120)
        while try await count("SELECT count(*)::int8 FROM tickets.tickets") < total, ContinuousClock.now < finished {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await count("SELECT count(*)::int8 FROM tickets.tickets") == total)
        #expect(try await count("SELECT count(DISTINCT title)::int8 FROM tickets.tickets") == total)

        await redis.shutdown()
        await database.close()
        let statuses = await fleet.stop()
        #expect(statuses.values.allSatisfy { $0 == 0 }, "\(statuses)")
    }
}
