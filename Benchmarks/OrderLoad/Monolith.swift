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

    static func run(on postgres: PostgresServer, options: Options) async throws -> PhaseResult {
        let url = try await postgres.createDatabase(named: "monolith")
        let database = PostgresClient(configuration: try PostgresConfiguration(url, poolSize: options.clients, applicationName: "monolith"))
        for statement in schema { try await database.query(statement) }
        let stock = (options.warmup + options.phase) * stockRate
        try await database.query("INSERT INTO tickets SELECT gen_random_uuid(), 'Seat', 2500, 0 FROM generate_series(1, \(stock))")
        try await database.query("VACUUM ANALYZE tickets")
        let tickets = TicketQueue(try await database.query("SELECT id::text FROM tickets").decodeColumn(String.self))

        _ = try await loop(database, tickets: tickets, clients: options.clients, seconds: Double(options.warmup))
        let meter = Meter(processes: try await ProcessSet.find(fleet: [], database: database), database: database)
        let result = try await meter.measure("monolith", load: {
            try await loop(database, tickets: tickets, clients: options.clients, seconds: Double(options.phase))
        }, drain: { .now })
        await database.close()
        return result
    }

    /// `clients` closed loops of BEGIN; SELECT the ticket; INSERT the order ON CONFLICT DO
    /// NOTHING RETURNING; COMMIT, each statement its own round trip.
    private static func loop(_ database: PostgresClient, tickets: TicketQueue, clients: Int, seconds: Double) async throws -> (PhaseTally, ContinuousClock.Instant) {
        let start = ContinuousClock.now
        let end = start + .seconds(seconds)
        let parts = try await withThrowingTaskGroup(of: PhaseTally.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var tally = PhaseTally(start: start)
                    let user = UUID()
                    while ContinuousClock.now < end {
                        guard let ticket = tickets.take().flatMap(UUID.init(uuidString:)) else { tally.outOfTickets += 1; break }
                        let began = ContinuousClock.now
                        let created = try await database.withTransaction { transaction in
                            guard try await !transaction.query("SELECT id, price_cents, version FROM tickets WHERE id = \(ticket)").isEmpty
                            else { return false }
                            return try await !transaction.query("""
                                INSERT INTO orders (id, user_id, ticket_id, status, expires_at)
                                VALUES (\(UUID()), \(user), \(ticket), 'created', now() + interval '15 minutes')
                                ON CONFLICT DO NOTHING RETURNING id
                                """).isEmpty
                        }
                        let now = ContinuousClock.now
                        // A refused order is counted as the fleet would answer it.
                        tally.record(created ? 201 : 400, milliseconds: (now - began).seconds * 1000, due: began)
                        tally.lastAnswer = now
                    }
                    return tally
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        return (PhaseTally.merged(parts), start)
    }
}
