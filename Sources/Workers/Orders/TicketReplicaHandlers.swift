import Contracts
import Foundation
import WorkerRuntime

/// Keeps `orders.tickets` in step with the tickets service: an event applies only when it is
/// newer than the replica, so a late or doubled event never rolls a ticket back, and an early
/// one never waits for those it supersedes.
enum TicketReplicaHandlers {
    static func created(_ message: IncomingMessage, _ context: MessageContext) async throws {
        let event = try MalformedEvent.decode(TicketCreated.self, message)
        let id = try MalformedEvent.id(event.id, "ticket id")
        _ = try await apply(id: id, title: event.title, priceCents: event.priceCents, version: event.version, context)
    }

    /// A reservation shows up here too: the ticket now names the order holding it, which is
    /// how the orders service learns the reservation took and the order awaits payment.
    static func updated(_ message: IncomingMessage, _ context: MessageContext) async throws {
        let event = try MalformedEvent.decode(TicketUpdated.self, message)
        let id = try MalformedEvent.id(event.id, "ticket id")
        guard try await apply(id: id, title: event.title, priceCents: event.priceCents, version: event.version, context) else { return }
        if let orderID = event.orderId {
            context.execute(OrderQueries.awaitPayment(id: try MalformedEvent.id(orderID, "order id"), ticket: id))
        }
    }

    /// Applies the ticket's state at `version`; false for a duplicate or a superseded event.
    /// A reservation event superseded by a later version needs no follow-up either: only the
    /// order's cancellation releases a ticket, so that order is no longer live.
    private static func apply(id: UUID, title: String, priceCents: Int, version: Int, _ context: MessageContext) async throws -> Bool {
        try await !context.query(OrderQueries.applyTicket(id: id, title: title, priceCents: priceCents, version: version)).isEmpty
    }
}
