import API
import Contracts
import FleetTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import OrdersService
import PostgresClient
import Testing
import TicketsService
import WorkerRuntime

/// The read side: the tables the tickets and orders services migrate, filled directly.
@Suite("reads")
struct ReadTests {
    /// The tables exactly as the services make them: their own migrations.
    static func createTables(_ database: PostgresClient) async throws {
        let configuration = WorkerConfiguration()
        let services = [
            try TicketsService.definition(configuration: configuration),
            try OrdersService.definition(configuration: configuration, settings: OrdersSettings()),
        ]
        for service in services {
            for (schema, migrations) in service.migrations { try await database.migrate(schema: schema, migrations: migrations) }
        }
    }

    static func addTicket(_ database: PostgresClient, title: String, cents: Int, user: UUID, order: UUID? = nil, secondsAgo: Int) async throws -> UUID {
        let id = UUID()
        try await database.query("""
            INSERT INTO tickets.tickets (id, title, price_cents, user_id, order_id, version, created_at)
            VALUES (\(id), \(title), \(cents), \(user), \(order), 0, now() - make_interval(secs => \(secondsAgo)))
            """)
        return id
    }

    @Test("tickets lists available tickets only, oldest first, a page at a time")
    func listTickets() async throws {
        try await APITestHarness.with { harness, client in
            let database = harness.services.database
            try await Self.createTables(database)
            let seller = UUID()
            var available: [UUID] = []
            for index in 0..<5 {
                available.append(try await Self.addTicket(database, title: "Show \(index)", cents: 1000 + index, user: seller, secondsAgo: 100 - index))
            }
            _ = try await Self.addTicket(database, title: "Reserved", cents: 500, user: seller, order: UUID(), secondsAgo: 200)

            let all = try await client.send(.get, "/api/tickets")
            #expect(all.status == .ok)
            let listed = try all.decode([TicketView].self)
            #expect(listed.map(\.id) == available.map { $0.uuidString.lowercased() })
            #expect(listed.first?.price == 10)
            #expect(listed.first?.userId == seller.uuidString.lowercased())

            let page = try await client.send(.get, "/api/tickets?limit=2&offset=3")
            #expect(try page.decode([TicketView].self).map(\.id) == available[3...].map { $0.uuidString.lowercased() })
        }
    }

    @Test("a ticket is read by id; an unknown id is 404")
    func readTicket() async throws {
        try await APITestHarness.with { harness, client in
            try await Self.createTables(harness.services.database)
            let id = try await Self.addTicket(harness.services.database, title: "Concert", cents: 4550, user: UUID(), secondsAgo: 0)
            let found = try await client.send(.get, "/api/tickets/\(id.uuidString)")
            #expect(found.status == .ok)
            let ticket = try found.decode(TicketView.self)
            #expect(ticket.title == "Concert")
            #expect(ticket.price == 45.5)
            let missing = try await client.send(.get, "/api/tickets/\(UUID().uuidString)")
            #expect(missing.status == .notFound)
            #expect(missing.errors.count == 1)
        }
    }

    @Test("orders lists and reads only the caller's orders; another user's order is 404")
    func ownOrdersOnly() async throws {
        try await APITestHarness.with { harness, client in
            let database = harness.services.database
            try await Self.createTables(database)
            let (aliceToken, alice) = try await client.signUp()
            let (bobToken, _) = try await client.signUp()
            let ticket = UUID()
            try await database.query("INSERT INTO orders.tickets (id, title, price_cents, version) VALUES (\(ticket), 'Gig', 2500, 1)")
            let order = UUID()
            let aliceID = try #require(UUID(uuidString: alice.id))
            try await database.query("""
                INSERT INTO orders.orders (id, user_id, ticket_id, status, expires_at, version)
                VALUES (\(order), \(aliceID), \(ticket), 'awaiting:payment', now() + interval '15 minutes', 1)
                """)

            let mine = try await client.send(.get, "/api/orders", token: aliceToken)
            #expect(mine.status == .ok)
            let orders = try mine.decode([OrderView].self)
            #expect(orders.count == 1)
            #expect(orders.first?.status == .awaitingPayment)
            #expect(orders.first?.ticket == OrderView.Ticket(id: ticket.uuidString.lowercased(), title: "Gig", priceCents: 2500))

            let one = try await client.send(.get, "/api/orders/\(order.uuidString)", token: aliceToken)
            #expect(one.status == .ok)
            #expect(try one.decode(OrderView.self).id == order.uuidString.lowercased())

            let theirs = try await client.send(.get, "/api/orders", token: bobToken)
            #expect(try theirs.decode([OrderView].self).isEmpty)
            let hidden = try await client.send(.get, "/api/orders/\(order.uuidString)", token: bobToken)
            #expect(hidden.status == .notFound)
        }
    }

    @Test("an unexpected failure (here: the tables do not exist) answers 500 'Something went wrong', nothing more")
    func unexpectedFailure() async throws {
        try await APITestHarness.with { _, client in
            let response = try await client.send(.get, "/api/tickets")
            #expect(response.status == .internalServerError)
            #expect(response.text == #"{"errors":[{"message":"Something went wrong"}]}"#)
        }
    }
}
