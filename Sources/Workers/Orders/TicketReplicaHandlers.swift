import Contracts
import Foundation
import WorkerRuntime

/// Keeps `orders.tickets` in step with the tickets service: an event applies only when it is
/// newer than the replica, so a late or doubled event never rolls a ticket back, and an early
/// one never waits for those it supersedes. One statement per event, not awaited: a batch of
/// them costs no round trip of its own.
enum TicketReplicaHandlers {
    static func created(_ message: IncomingMessage, _ context: MessageContext) async throws {
        let event = try MalformedEvent.decode(TicketCreated.self, message)
        let id = try MalformedEvent.id(event.id, "ticket id")
        context.execute(OrderQueries.applyTicket(id: id, title: event.title, priceCents: event.priceCents, version: event.version, reservedFor: nil))
    }

    /// A reservation shows up here too: the ticket now names the order holding it, which is
    /// how the orders service learns the reservation took and the order awaits payment.
    static func updated(_ message: IncomingMessage, _ context: MessageContext) async throws {
        let event = try MalformedEvent.decode(TicketUpdated.self, message)
        let id = try MalformedEvent.id(event.id, "ticket id")
        let order = try event.orderId.map { try MalformedEvent.id($0, "order id") }
        context.execute(OrderQueries.applyTicket(id: id, title: event.title, priceCents: event.priceCents, version: event.version, reservedFor: order))
    }
}
