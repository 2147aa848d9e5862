import Contracts
import Foundation
import WorkerRuntime

/// How an order ends: it expires, or it is paid. Both act only on a live order, in one
/// conditional update each, so exactly one of them wins whatever order they arrive in.
enum OrderOutcomeHandlers {
    /// expiration:complete (from the scheduler or the reconciler): cancel the order unless it
    /// was paid or cancelled already, and tell the others the ticket is free.
    static func expired(_ message: IncomingMessage, _ context: MessageContext) async throws {
        let event = try MalformedEvent.decode(ExpirationComplete.self, message)
        let orderID = try MalformedEvent.id(event.orderId, "order id")
        guard let row = try await context.query(OrderQueries.expire(id: orderID)).first else { return }
        let (version, ticketID) = try row.decode((Int, UUID).self)
        context.publish(OrderCancelled(id: orderID.lowercasedString, version: version, ticket: .init(id: ticketID.lowercasedString)))
    }

    /// payment:created: the order is complete, unless it expired first (payments then refunds
    /// on the order:cancelled it received).
    static func paid(_ message: IncomingMessage, _ context: MessageContext) async throws {
        let event = try MalformedEvent.decode(PaymentCreated.self, message)
        context.execute(OrderQueries.complete(id: try MalformedEvent.id(event.orderId, "order id")))
    }
}
