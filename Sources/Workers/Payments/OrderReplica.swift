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
        let event = try MessageCoding.decode(OrderCreated.self, from: message.envelope.data)
        let orderID = try EventIDs.uuid(event.id, "order id")
        let userID = try EventIDs.uuid(event.userId, "user id")
        context.execute("""
            INSERT INTO payments.orders AS known (id, user_id, price_cents, status, version)
            VALUES (\(orderID), \(userID), \(event.ticket.priceCents), \(event.status.rawValue), \(event.version))
            ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, price_cents = excluded.price_cents
                WHERE known.user_id IS NULL
            """)
    }
}

/// Ids in events come from our own services; one that is not a UUID is a bug upstream, so it
/// fails the message (and, after the retries, leaves it in the dead letters to look at).
enum EventIDs {
    static func uuid(_ text: String, _ what: String) throws -> UUID {
        guard let id = UUID.parse(text) else { throw MalformedEvent("\(what) is not a UUID: \(text.prefix(64))") }
        return id
    }
}

struct MalformedEvent: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = "malformed event: \(description)" }
}
