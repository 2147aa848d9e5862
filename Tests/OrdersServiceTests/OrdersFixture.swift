import Contracts
import FleetTestSupport
import Foundation
import OrdersService
import PostgresClient
import WorkerRuntime

/// An orders worker running against a database and key prefix of the test's own, with helpers
/// that play the other services' parts (publishing their events) and read the outcome.
struct OrdersFixture {
    let harness: ServiceHarness

    /// Runs `body` with a started orders worker, and stops it afterwards whatever happened.
    static func run(
        orderTTL: Duration = .seconds(900),
        reconcileInterval: Duration = .seconds(60),
        expiryGrace: Duration = .seconds(60),
        _ body: (OrdersFixture) async throws -> Void
    ) async throws {
        let harness = try await ServiceHarness.make()
        let definition = try OrdersService.definition(
            configuration: harness.configuration(), orderTTL: orderTTL,
            reconcileInterval: reconcileInterval, expiryGrace: expiryGrace, environment: [:])
        let worker = try await harness.start(definition)
        do {
            try await body(OrdersFixture(harness: harness))
        } catch {
            try? await worker.stop()
            await harness.close()
            throw error
        }
        try await worker.stop()
        await harness.close()
    }

    /// Announces a new ticket as the tickets service would, and waits until the replica has it.
    func ticket(title: String = "Concert", priceCents: Int = 2_000) async throws -> String {
        let id = RecordID.make()
        try await harness.publish(TicketCreated(id: id, title: title, priceCents: priceCents, userId: RecordID.make(), version: 0))
        guard try await harness.eventually({ try await replica(id)?.version == 0 }) else {
            throw HarnessError("ticket \(id) never reached the replica")
        }
        return id
    }

    /// The replica's copy of a ticket.
    func replica(_ id: String) async throws -> (title: String, priceCents: Int, version: Int)? {
        let rows = try await harness.database.query(
            "SELECT title, price_cents, version FROM orders.tickets WHERE id = \(UUID(uuidString: id)!)")
        return try rows.first.map { try $0.decode((String, Int, Int).self) }
    }

    /// Orders `ticket` for `user` and expects it to be created.
    func order(_ ticket: String, by user: String) async throws -> OrderView {
        let reply = try await harness.send(CreateOrder(ticketId: ticket), userID: user)
        guard reply.status == 201 else { throw HarnessError("expected 201, got \(reply.status) \(reply.body)") }
        return try reply.decode(OrderView.self)
    }

    func status(of order: String) async throws -> OrderStatus? {
        let rows = try await harness.database.query("SELECT status FROM orders.orders WHERE id = \(UUID(uuidString: order)!)")
        return try rows.first.map { OrderStatus(rawValue: try $0.decode(String.self, at: 0)) } ?? nil
    }

    func version(of order: String) async throws -> Int? {
        let rows = try await harness.database.query("SELECT version FROM orders.orders WHERE id = \(UUID(uuidString: order)!)")
        return try rows.first?.decode(Int.self, at: 0)
    }

    /// Publishes `event` and waits until the orders service has handled it (its inbox row).
    func deliver<E: Event>(_ event: E) async throws {
        let envelope = try await harness.publish(event)
        guard try await harness.eventually({
            let rows = try await harness.database.query(
                "SELECT 1 FROM messaging.inbox WHERE consumer_group = 'orders' AND message_id = \(envelope.id)")
            return !rows.isEmpty
        }) else { throw HarnessError("\(E.type) \(envelope.id) was never handled") }
    }

    func cancelledEvents(of order: String) async throws -> [OrderCancelled] {
        try await harness.events(OrderCancelled.self).filter { $0.id == order }
    }
}
