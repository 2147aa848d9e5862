import Contracts
import Foundation
import WorkerRuntime

/// CreateOrder and CancelOrder, as the API sends them.
struct OrderCommandHandlers: Sendable {
    let orderTTL: Duration

    /// Reserves the ticket for the user for `orderTTL`, if it exists and has no live order: one
    /// statement, read through a continuation so a batch's orders share a round trip.
    func create(_ message: IncomingMessage, _ context: MessageContext) async throws {
        guard let user = ActingUser.require(message, context),
              let command = CommandInput.decode(CreateOrder.self, message, context),
              let ticketID = CommandInput.id(command.ticketId, field: "ticketId", context)
        else { return }
        let orderID = UUID.timeOrdered()
        context.query(OrderQueries.placeOrder(id: orderID, user: user, ticket: ticketID, ttl: orderTTL)) { rows in
            guard let row = rows.first else {
                context.reject(status: 404, "Ticket not found")
                return
            }
            let (title, priceCents, placed) = try row.decode((String, Int, Date?).self)
            guard let expiresAt = placed else {
                context.reject(status: 400, "Ticket is already reserved", field: "ticketId")
                return
            }
            context.publish(OrderCreated(
                id: orderID.lowercasedString, status: .created, userId: user.lowercasedString, expiresAt: expiresAt, version: 0,
                ticket: .init(id: ticketID.lowercasedString, priceCents: priceCents)))
            context.reply(status: 201, OrderView(
                id: orderID.lowercasedString, status: .created, userId: user.lowercasedString, expiresAt: expiresAt, version: 0,
                ticket: .init(id: ticketID.lowercasedString, title: title, priceCents: priceCents)))
        }
    }

    /// Cancels the user's own live order. Other users' orders answer 404, as missing ones do.
    func cancel(_ message: IncomingMessage, _ context: MessageContext) async throws {
        guard let user = ActingUser.require(message, context),
              let command = CommandInput.decode(CancelOrder.self, message, context),
              let orderID = CommandInput.id(command.orderId, field: "orderId", context)
        else { return }
        if let row = try await context.query(OrderQueries.cancel(id: orderID, user: user)).first {
            let (version, ticketID) = try row.decode((Int, UUID).self)
            context.publish(OrderCancelled(id: orderID.lowercasedString, version: version, ticket: .init(id: ticketID.lowercasedString)))
            context.reply(status: 204, body: "")
            return
        }
        // Not cancelled just now: say why.
        let status = try await context.query(OrderQueries.status(id: orderID, user: user)).first?.decode(String.self, at: 0)
        switch status.flatMap(OrderStatus.init(rawValue:)) {
        case nil:
            context.reject(status: 404, "Order not found")
        case .complete:
            context.reject(status: 400, "Cannot cancel a completed order")
        case .cancelled, .created, .awaitingPayment:
            // Already cancelled: the request's goal holds. (A live status cannot be seen here:
            // the update above would have taken it.)
            context.reply(status: 204, body: "")
        }
    }
}
