import Contracts
import Foundation
import WorkerRuntime

/// order:created holds the ticket for the order; order:cancelled lets it go. Each change bumps
/// the ticket's version and is announced as ticket:updated, so the orders service learns that
/// the reservation took.
enum ReservationHandlers {
    static func reserve(_ message: IncomingMessage, _ context: MessageContext) async throws {
        let event = try MalformedEvent.decode(OrderCreated.self, message)
        let order = try MalformedEvent.id(event.id, "order id")
        let ticketID = try MalformedEvent.id(event.ticket.id, "ticket id")
        context.query(OrderVersions.reserve(ticket: ticketID, for: order, version: event.version)) { rows in
            let (admitted, holder, id, title, priceCents, owner, held, version) =
                try rows[0].decode((Bool, UUID?, UUID?, String?, Int?, UUID?, UUID?, Int?).self)
            guard admitted else { return }  // a duplicate, or superseded by the cancellation
            if let id, let title, let priceCents, let owner, let version {
                context.publish(TicketRecord(id: id, title: title, priceCents: priceCents, userID: owner, orderID: held, version: version).updated)
            } else if let holder, holder != order {
                // Another order still holds it. The orders service allows one live order per
                // ticket, so a cancellation is on its way: the holder's (then this order
                // reserves), or this order's own (then this creation is superseded on its
                // retry). The retry takes back the version recorded here with the rest of
                // this message's writes.
                throw NotYet("ticket \(ticketID.lowercasedString) is held by order \(holder.lowercasedString), not yet released for \(order.lowercasedString)")
            }
            // No such ticket: nothing to hold. The version stays recorded, so a repeat of this
            // event is a duplicate.
        }
    }

    static func release(_ message: IncomingMessage, _ context: MessageContext) async throws {
        let event = try MalformedEvent.decode(OrderCancelled.self, message)
        let order = try MalformedEvent.id(event.id, "order id")
        let ticketID = try MalformedEvent.id(event.ticket.id, "ticket id")
        // Only this order's hold is released; a ticket held by a later order stays held.
        context.execute(OrderVersions.recordCancellation(of: order, version: event.version))
        context.query(OrderVersions.release(ticket: ticketID, from: order, version: event.version)) { rows in
            if let row = rows.first { context.publish(try TicketRecord(row: row).updated) }
        }
    }
}
