import Contracts
import FleetTestSupport
import Foundation
import Testing

@Suite("tickets: reservations by orders", .timeLimit(.minutes(2)))
struct ReservationTests {
    @Test("order:created reserves the ticket and announces ticket:updated with the order id")
    func orderCreatedReserves() async throws {
        let tickets = try await TicketsFixture.start()
        let owner = RecordID.make()
        let ticket = try await tickets.createdTicket(by: owner)
        let order = RecordID.make()
        try await tickets.orderCreated(order, ticket: ticket)

        let events = try await tickets.awaitUpdates(of: ticket.id, count: 1)
        #expect(json(events) == json([TicketUpdated(id: ticket.id, title: ticket.title, priceCents: 2_000, userId: owner, orderId: order, version: 1)]))
        #expect(try await tickets.stored(ticket.id)?.orderID == order)
        try await tickets.stop()
    }

    @Test("a reserved ticket cannot be edited: 400, even by its owner")
    func reservedTicketIsLocked() async throws {
        let tickets = try await TicketsFixture.start()
        let owner = RecordID.make()
        let ticket = try await tickets.createdTicket(by: owner)
        try await tickets.orderCreated(RecordID.make(), ticket: ticket)
        _ = try await tickets.awaitUpdates(of: ticket.id, count: 1)

        let reply = try await tickets.update(ticket.id, by: owner)
        #expect(reply.status == 400)
        #expect(reply.errors == [ErrorBody.Item(message: "Cannot edit a reserved ticket")])
        #expect(try await tickets.stored(ticket.id)?.version == 1)
        try await tickets.stop()
    }

    @Test("order:cancelled releases the ticket: ticket:updated without an order, and it can be edited again")
    func orderCancelledReleases() async throws {
        let tickets = try await TicketsFixture.start()
        let owner = RecordID.make()
        let ticket = try await tickets.createdTicket(by: owner)
        let order = RecordID.make()
        try await tickets.orderCreated(order, ticket: ticket)
        _ = try await tickets.awaitUpdates(of: ticket.id, count: 1)
        try await tickets.orderCancelled(order, ticket: ticket, version: 1)

        let events = try await tickets.awaitUpdates(of: ticket.id, count: 2)
        #expect(events.map(\.orderId) == [order, nil])
        #expect(events.map(\.version) == [1, 2])
        let reply = try await tickets.update(ticket.id, title: "Edited", by: owner)
        #expect(reply.status == 200)
        #expect(try reply.decode(TicketView.self).version == 3)
        try await tickets.stop()
    }

    @Test("a cancellation that skips order versions this service never saw still releases the ticket")
    func cancellationAfterUnannouncedVersions() async throws {
        let tickets = try await TicketsFixture.start()
        let ticket = try await tickets.createdTicket(by: RecordID.make())
        let order = RecordID.make()
        try await tickets.orderCreated(order, ticket: ticket)
        _ = try await tickets.awaitUpdates(of: ticket.id, count: 1)
        // created (0) → awaiting:payment (1, announced to nobody) → cancelled (2).
        try await tickets.orderCancelled(order, ticket: ticket, version: 2)
        #expect(try await tickets.harness.eventually { try await tickets.stored(ticket.id)?.orderID == nil })
        try await tickets.stop()
    }

    @Test("order:cancelled arriving before order:created applies at once; the late creation never reserves the ticket")
    func cancellationBeforeCreation() async throws {
        let tickets = try await TicketsFixture.start()
        let owner = RecordID.make()
        let ticket = try await tickets.createdTicket(by: owner)
        let order = RecordID.make()
        let cancelled = try await tickets.orderCancelled(order, ticket: ticket, version: 1)
        try await tickets.harness.awaitHandled([cancelled], by: "tickets")
        let created = try await tickets.orderCreated(order, ticket: ticket)
        try await tickets.harness.awaitHandled([created], by: "tickets")

        #expect(try await tickets.updates(of: ticket.id).isEmpty)
        #expect(try await tickets.stored(ticket.id)?.orderID == nil)
        #expect(try await tickets.update(ticket.id, by: owner).status == 200)
        try await tickets.stop()
    }

    @Test("order events republished under new message ids change nothing the second time")
    func republishedEventsIgnored() async throws {
        let tickets = try await TicketsFixture.start()
        let ticket = try await tickets.createdTicket(by: RecordID.make())
        let order = RecordID.make()
        try await tickets.orderCreated(order, ticket: ticket)
        _ = try await tickets.awaitUpdates(of: ticket.id, count: 1)
        // Republished under a new message id (the inbox cannot catch it; the version gate does).
        try await tickets.harness.awaitHandled([try await tickets.orderCreated(order, ticket: ticket)], by: "tickets")
        #expect(try await tickets.stored(ticket.id)?.orderID == order)
        #expect(try await tickets.harness.outboxed(TicketUpdated.type) == 1)

        try await tickets.orderCancelled(order, ticket: ticket, version: 1)
        _ = try await tickets.awaitUpdates(of: ticket.id, count: 2)
        let again = [
            try await tickets.orderCancelled(order, ticket: ticket, version: 1),
            try await tickets.orderCreated(order, ticket: ticket),
        ]
        try await tickets.harness.awaitHandled(again, by: "tickets")
        #expect(try await tickets.stored(ticket.id)?.orderID == nil)
        #expect(try await tickets.stored(ticket.id)?.version == 2)
        #expect(try await tickets.harness.outboxed(TicketUpdated.type) == 2)
        try await tickets.stop()
    }
}
