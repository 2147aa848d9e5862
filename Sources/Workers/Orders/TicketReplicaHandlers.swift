import Contracts
import Foundation
import WorkerRuntime

/// Keeps `orders.tickets` in step with the tickets service: each event applies only when it
/// carries the replica's next version, so a late or doubled event never rolls a ticket back.
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

    /// Applies the ticket's state at `version`; false for a duplicate, ``NotYet`` for an early one.
    private static func apply(id: UUID, title: String, priceCents: Int, version: Int, _ context: MessageContext) async throws -> Bool {
        let current = try await context.query(OrderQueries.ticketVersion(id)).first.map { try $0.decode(Int.self, at: 0) }
        guard try VersionGate.shouldApply(current: current, incoming: version, what: "ticket \(id.lowercased)") else { return false }
        let written = try await context.query(OrderQueries.applyTicket(id: id, title: title, priceCents: priceCents, version: version))
        // No row: another consumer applied a version of this ticket since we looked; the retry
        // sees which.
        guard !written.isEmpty else { throw NotYet("ticket \(id.lowercased) changed while version \(version) was applied") }
        return true
    }
}
