import Contracts
import Foundation
import PostgresClient

/// Orders as the orders service keeps them, with their ticket from its replica
/// (`orders.orders` joined with `orders.tickets`). Always scoped to one user.
public protocol OrderRepository: Sendable {
    /// The user's orders, newest first.
    func orders(userID: String) async throws -> [OrderView]
    /// The order if it exists and is the user's; nil otherwise (others' orders are not revealed).
    func order(id: String, userID: String) async throws -> OrderView?
}

struct PostgresOrderRepository: OrderRepository {
    let database: PostgresClient

    func orders(userID: String) async throws -> [OrderView] {
        guard let user = UUID.parse(userID) else { return [] }
        let rows = try await database.query("""
            SELECT o.id, o.status::text, o.user_id::text, o.expires_at, o.version::int8,
                   t.id, t.title, t.price_cents::int8
            FROM orders.orders o
            JOIN orders.tickets t ON t.id = o.ticket_id
            WHERE o.user_id = \(user)
            ORDER BY o.created_at DESC, o.id
            """)
        return try rows.map(Self.view)
    }

    func order(id: String, userID: String) async throws -> OrderView? {
        guard let order = UUID.parse(id), let user = UUID.parse(userID) else { return nil }
        let rows = try await database.query("""
            SELECT o.id, o.status::text, o.user_id::text, o.expires_at, o.version::int8,
                   t.id, t.title, t.price_cents::int8
            FROM orders.orders o
            JOIN orders.tickets t ON t.id = o.ticket_id
            WHERE o.id = \(order) AND o.user_id = \(user)
            """)
        return try rows.first.map(Self.view)
    }

    private static func view(_ row: PostgresRow) throws -> OrderView {
        let (id, status, userID, expiresAt, version, ticketID, title, cents) =
            try row.decode((UUID, String, String, Date, Int64, UUID, String, Int64).self)
        guard let orderStatus = OrderStatus(rawValue: status) else {
            throw PostgresError(code: .decoding, message: "unknown order status in orders.orders")
        }
        return OrderView(
            id: id.lowercasedString, status: orderStatus, userId: userID.lowercased(), expiresAt: expiresAt,
            version: Int(version),
            ticket: OrderView.Ticket(id: ticketID.lowercasedString, title: title, priceCents: Int(cents)))
    }
}
