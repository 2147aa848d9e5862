import BenchmarkSupport
import Foundation
import PostgresClient
import TestSupport

/// The baseline: the same order as one transaction per order in one database, through our
/// own PostgresClient on the same Postgres server, with the orders service's tables and
/// indexes (the partial unique index is what makes a ticket sell once).
enum Monolith {
    static let schema: [PostgresQuery] = [
        "CREATE TABLE tickets (id uuid PRIMARY KEY, title text NOT NULL, price_cents int8 NOT NULL, version int8 NOT NULL)",
        """
        CREATE TABLE orders (
            id uuid PRIMARY KEY,
            user_id uuid NOT NULL,
            ticket_id uuid NOT NULL REFERENCES tickets (id),
            status text NOT NULL CHECK (status IN ('created', 'cancelled', 'awaiting:payment', 'complete')),
            expires_at timestamptz NOT NULL,
            version int8 NOT NULL DEFAULT 0,
            created_at timestamptz NOT NULL DEFAULT now())
        """,
        "CREATE UNIQUE INDEX orders_one_live_order_per_ticket ON orders (ticket_id) WHERE status <> 'cancelled'",
        "CREATE INDEX orders_live_by_expiry ON orders (expires_at) WHERE status IN ('created', 'awaiting:payment')",
        "CREATE INDEX orders_by_user ON orders (user_id, created_at)",
    ]

    /// Fresh tickets for the warm-up and the phase at up to this many orders/s.
    static let stockRate = 12_000

    /// `options.clients` closed loops: the monolith's peak, beside the fleet's unpaced phase.
    static func run(on postgres: PostgresServer, options: Options) async throws -> PhaseResult {
        let (database, tickets) = try await prepare(on: postgres, clients: options.clients, tickets: (options.warmup + options.phase) * stockRate)
        _ = try await closed(database, tickets: tickets, clients: options.clients, seconds: Double(options.warmup))
        let result = try await Meter(processes: try await ProcessSet.find(fleet: [], database: database), database: database)
            .measure("monolith", load: {
                try await closed(database, tickets: tickets, clients: options.clients, seconds: Double(options.phase))
            }, drain: { .now })
        await database.close()
        return result
    }

    /// Paced at `rate` orders/s from `options.clients` lanes on the bench's own threads, on the
    /// schedule the fleet's paced phase keeps, latency counted from each order's due time: what
    /// one transaction and one WAL fsync per order come to at that rate on this machine.
    static func run(on postgres: PostgresServer, options: Options, pacedAt rate: Int) async throws -> PhaseResult {
        let (database, tickets) = try await prepare(on: postgres, clients: options.clients, tickets: (options.warmup + options.phase) * rate + 1)
        let user = UUID()
        let load = { (seconds: Int) in
            await Load.paced(lanes: options.clients, tickets: tickets, rate: Double(rate), seconds: Double(seconds)) { _, ticket, due, tally in
                do {
                    let created = try waitFor { try await order(ticket, for: user, in: database) }
                    tally.record(created ? 201 : 400, due: due)
                } catch {
                    tally.recordTransportError()
                }
            }
        }
        _ = await load(options.warmup)
        let result = try await Meter(processes: try await ProcessSet.find(fleet: [], database: database), database: database)
            .measure("monolith \(rate)/s", target: Double(rate), load: { await load(options.phase) }, drain: { .now })
        await database.close()
        return result
    }

    /// A database of its own with the schema and `count` fresh tickets, and a connection per client.
    private static func prepare(on postgres: PostgresServer, clients: Int, tickets count: Int) async throws -> (PostgresClient, TicketQueue) {
        let url = try await postgres.createDatabase(named: "monolith")
        let database = PostgresClient(configuration: try PostgresConfiguration(url, poolSize: clients, applicationName: "monolith"))
        for statement in schema { try await database.query(statement) }
        try await database.query("INSERT INTO tickets SELECT gen_random_uuid(), 'Seat', 2500, 0 FROM generate_series(1, \(count))")
        try await database.query("VACUUM ANALYZE tickets")
        WriteBackWatch.flushSetup("monolith's tickets stocked")
        return (database, TicketQueue(try await database.query("SELECT id::text FROM tickets").decodeColumn(String.self)))
    }

    /// One order as one transaction: BEGIN; SELECT the ticket; INSERT the order ON CONFLICT DO
    /// NOTHING RETURNING; COMMIT, each statement its own round trip. False when refused.
    private static func order(_ ticket: String, for user: UUID, in database: PostgresClient) async throws -> Bool {
        guard let ticket = UUID(uuidString: ticket) else { return false }
        return try await database.withTransaction { transaction in
            guard try await !transaction.query("SELECT id, price_cents, version FROM tickets WHERE id = \(ticket)").isEmpty
            else { return false }
            return try await !transaction.query("""
                INSERT INTO orders (id, user_id, ticket_id, status, expires_at)
                VALUES (\(UUID()), \(user), \(ticket), 'created', now() + interval '15 minutes')
                ON CONFLICT DO NOTHING RETURNING id
                """).isEmpty
        }
    }

    /// `clients` closed loops, each placing its next order as soon as the last is answered.
    private static func closed(_ database: PostgresClient, tickets: TicketQueue, clients: Int, seconds: Double) async throws -> (PhaseTally, ContinuousClock.Instant) {
        let start = ContinuousClock.now
        let end = start + .seconds(seconds)
        let parts = try await withThrowingTaskGroup(of: PhaseTally.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var tally = PhaseTally(start: start)
                    let user = UUID()
                    while ContinuousClock.now < end {
                        guard let ticket = tickets.take() else { tally.outOfTickets += 1; break }
                        let began = ContinuousClock.now
                        let created = try await order(ticket, for: user, in: database)
                        // A refused order is counted as the fleet would answer it.
                        tally.record(created ? 201 : 400, due: began)
                    }
                    return tally
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        return (PhaseTally.merged(parts), start)
    }
}

/// Runs `body` as a task and blocks the calling thread until it is done: for the paced lanes,
/// which are threads of the bench's own, never the concurrency pool's.
func waitFor<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = Outcome<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { outcome.result = .success(try await body()) } catch { outcome.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try outcome.result!.get()
}

/// A task's result, handed to the thread that waits for it.
private final class Outcome<T>: @unchecked Sendable {
    // Written before the semaphore is signalled, read after its wait: the semaphore orders them.
    var result: Result<T, any Error>?
}
