import Contracts
import Foundation
import PostgresClient
import WorkerRuntime

/// The part of an order payments needs (owner, price, status), copied from order:created.
enum OrderReplica {
    /// Inserts the order, or fills in the owner and price of a row its cancellation left when it
    /// came first (status and version stay the cancellation's: the newer version wins). A
    /// duplicate changes nothing. One statement, no read first.
    static func created(_ message: IncomingMessage, _ context: MessageContext) async throws {
        let event = try MalformedEvent.decode(OrderCreated.self, message)
        let orderID = try MalformedEvent.id(event.id, "order id")
        let userID = try MalformedEvent.id(event.userId, "user id")
        context.execute("""
            INSERT INTO payments.orders AS known (id, user_id, price_cents, status, version)
            VALUES (\(orderID), \(userID), \(event.ticket.priceCents), \(event.status.rawValue), \(event.version))
            ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, price_cents = excluded.price_cents
                WHERE known.user_id IS NULL
            """)
    }
}
