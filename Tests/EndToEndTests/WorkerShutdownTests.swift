import Contracts
import Foundation
import PostgresClient
import RedisClient
import Synchronization
import Testing

extension FleetProcesses {
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
        @Test("/readyz of a worker process answers 503 from the start of its drain, while it still finishes its batch, and it then exits 0 with the batch committed")
        func notReadyWhileDraining() async throws {
            let fleet = try await Fleet.start()
            let redis = try await RedisClient.connect(configuration: try RedisConfiguration(url: fleet.environment["REDIS_URL"]!))
            let database = PostgresClient(configuration: try PostgresConfiguration(fleet.environment["DATABASE_URL"]!, poolSize: 2))
            let keys = KeySpace(prefix: fleet.environment["KEY_PREFIX"]!)
            let worker = try #require(fleet.process("tickets-worker"))
            let operations = fleet.operationsURL("tickets-worker")
            func count(_ query: PostgresQuery) async throws -> Int {
                try await database.query(query).decodeColumn(Int.self)[0]
            }

            // The test holds the tickets table, so the worker's batch waits inside its transaction
            // for as long as the test wants: the drain cannot end before the lock is let go.
            let locked = Mutex(false), release = Mutex(false)
            let holder = Task {
                try await database.withTransaction { tx in
                    try await tx.query("LOCK TABLE tickets.tickets IN ACCESS EXCLUSIVE MODE")
                    locked.withLock { $0 = true }
                    while !release.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(20)) }
                }
            }
            defer { release.withLock { $0 = true } }
            #expect(try await poll(timeout: .seconds(30)) { locked.withLock { $0 } })

            let envelope = Envelope(
                type: CreateTicket.type, data: MessageCoding.encode(CreateTicket(title: "Drained", priceCents: 1_000)),
                correlationID: "drain", userID: RecordID.make(), replyTo: keys.replies("drain-test"))
            try await redis.xadd(keys.commands(.tickets), fields: envelope.fields)
            // The worker's batch is waiting for the lock, seen at the server.
            let batchWaits: PostgresQuery = """
                SELECT count(*)::int8 FROM pg_stat_activity
                WHERE application_name = 'tickets-worker' AND datname = current_database() AND wait_event_type = 'Lock'
                """
            #expect(try await poll(timeout: .seconds(30)) { try await count(batchWaits) == 1 }, "the worker's batch never reached the locked table:\n\(fleet.logs())")
            #expect(try await fleet.request("GET", "/readyz", base: operations).status == 200)

            worker.send(SIGTERM)
            let unready = try await poll(timeout: .seconds(15)) {
                try await fleet.request("GET", "/readyz", base: operations).status == 503
            }
            #expect(unready, "/readyz never answered 503 while the worker drained")
            // Still draining: the process runs and its batch still waits for the table.
            #expect(worker.isRunning)
            #expect(try await count(batchWaits) == 1)
            #expect(try await fleet.request("GET", "/healthz", base: operations).status == 200)

            release.withLock { $0 = true }
            try await holder.value
            #expect(try await poll(timeout: .seconds(30)) { !worker.isRunning })
            #expect(worker.exitCode == 0, "\(worker.logTail())")
            #expect(try await count("SELECT count(*)::int8 FROM tickets.tickets WHERE title = 'Drained'") == 1)
            #expect(try await redis.xpendingSummary(keys.commands(.tickets), group: ServiceName.tickets.rawValue).count == 0)

            await redis.shutdown()
            await database.close()
            let statuses = await fleet.stop()
            #expect(statuses.values.allSatisfy { $0 == 0 }, "\(statuses)")
        }

        /// Polls `condition` every 20 ms until it holds or `timeout` passes; whether it held.
        private func poll(timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if try await condition() { return true }
                try await Task.sleep(for: .milliseconds(20))
            }
            return try await condition()
        }
    }
}
