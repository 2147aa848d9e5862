import Contracts
import FleetTestSupport
import Foundation
import PostgresClient
import Testing
import TicketsService
import WorkerRuntime

/// A tickets worker on a database and key prefix of the test's own, and the moves the API and
/// the orders service make against it.
struct TicketsFixture {
    let harness: ServiceHarness
    let worker: RunningWorker

    static func start() async throws -> TicketsFixture {
        let harness = try await ServiceHarness.make()
        let worker = try await harness.start(try TicketsService.definition(configuration: harness.configuration()))
        return TicketsFixture(harness: harness, worker: worker)
    }

    func create(_ title: String = "Concert", priceCents: Int = 2_000, by user: String?) async throws -> CommandReply {
        try await harness.send(CreateTicket(title: title, priceCents: priceCents), userID: user)
    }

    /// Creates a ticket that must be accepted, and returns it.
    func createdTicket(_ title: String = "Concert", priceCents: Int = 2_000, by user: String) async throws -> TicketView {
        let reply = try await create(title, priceCents: priceCents, by: user)
        guard reply.status == 201 else { throw HarnessError("creating a ticket answered \(reply.status): \(reply.body)") }
        return try reply.decode(TicketView.self)
    }

    func update(_ ticketID: String, title: String = "Concert", priceCents: Int = 2_500, by user: String?) async throws -> CommandReply {
        try await harness.send(UpdateTicket(ticketId: ticketID, title: title, priceCents: priceCents), userID: user)
    }

    @discardableResult
    func orderCreated(_ order: String, ticket: TicketView, version: Int = 0) async throws -> Envelope {
        try await harness.publish(OrderCreated(
            id: order, status: .created, userId: RecordID.make(), expiresAt: Date().addingTimeInterval(900), version: version,
            ticket: .init(id: ticket.id, priceCents: Int((ticket.price * 100).rounded()))))
    }

    @discardableResult
    func orderCancelled(_ order: String, ticket: TicketView, version: Int = 1) async throws -> Envelope {
        try await harness.publish(OrderCancelled(id: order, version: version, ticket: .init(id: ticket.id)))
    }

    /// The ticket's row: which order holds it and its version.
    func stored(_ ticketID: String) async throws -> (orderID: String?, version: Int)? {
        let id = try #require(UUID(uuidString: ticketID))
        let rows = try await harness.database.query("SELECT order_id, version FROM tickets.tickets WHERE id = \(id)")
        return try rows.first.map { row in
            let (order, version) = try row.decode((UUID?, Int).self)
            return (order?.uuidString.lowercased(), version)
        }
    }

    /// The ticket:updated events about `ticketID`, oldest first.
    func updates(of ticketID: String) async throws -> [TicketUpdated] {
        try await harness.events(TicketUpdated.self).filter { $0.id == ticketID }
    }

    /// Waits until `ticketID` has `count` ticket:updated events, and returns them.
    func awaitUpdates(of ticketID: String, count: Int) async throws -> [TicketUpdated] {
        _ = try await harness.eventually { try await updates(of: ticketID).count >= count }
        return try await updates(of: ticketID)
    }

    func stop() async throws {
        try await worker.stop()
        await harness.close()
    }
}

/// Events are not `Equatable`; their canonical JSON (sorted keys) is, and says the same.
func json<E: Event>(_ events: [E]) -> [String] {
    events.map { MessageCoding.encode($0) }
}
