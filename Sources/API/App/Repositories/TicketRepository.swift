import Contracts
import Foundation
import PostgresClient

/// Tickets as the tickets service keeps them (`tickets.tickets`).
public protocol TicketRepository: Sendable {
    /// Tickets not held by an order, oldest first.
    func available(limit: Int, offset: Int) async throws -> [TicketView]
    func ticket(id: String) async throws -> TicketView?
    /// A seller's own tickets, newest first, each with whether it is sold.
    func owned(by userID: String) async throws -> [OwnedTicket]
    /// Whether the ticket's order is paid (it is sold, not only reserved).
    func isSold(id: String) async throws -> Bool
}

/// A seller's ticket: reserved while it has an order, sold once that order is paid.
public struct OwnedTicket: Sendable, Hashable {
    public var ticket: TicketView
    public var sold: Bool
    public init(ticket: TicketView, sold: Bool) { self.ticket = ticket; self.sold = sold }
}

struct PostgresTicketRepository: TicketRepository {
    let database: PostgresClient

    func available(limit: Int, offset: Int) async throws -> [TicketView] {
        let rows = try await database.query("""
            SELECT id, title, price_cents::int8, user_id::text, version::int8, order_id
            FROM tickets.tickets
            WHERE order_id IS NULL
            ORDER BY created_at, id
            LIMIT \(limit) OFFSET \(offset)
            """)
        return try rows.map(Self.view)
    }

    func ticket(id: String) async throws -> TicketView? {
        guard let uuid = UUID.parse(id) else { return nil }
        let rows = try await database.query("""
            SELECT id, title, price_cents::int8, user_id::text, version::int8, order_id
            FROM tickets.tickets
            WHERE id = \(uuid)
            """)
        return try rows.first.map(Self.view)
    }

    /// The order's status comes from the orders service's table: a ticket whose order is
    /// complete stays reserved by it for good, which is what "sold" means.
    func owned(by userID: String) async throws -> [OwnedTicket] {
        guard let user = UUID.parse(userID) else { return [] }
        let rows = try await database.query("""
            SELECT t.id, t.title, t.price_cents::int8, t.user_id::text, t.version::int8, t.order_id,
                   coalesce(o.status::text = 'complete', false)
            FROM tickets.tickets t
            LEFT JOIN orders.orders o ON o.id = t.order_id
            WHERE t.user_id = \(user)
            ORDER BY t.created_at DESC, t.id
            LIMIT 500
            """)
        return try rows.map { row in
            let (id, title, cents, userID, version, orderID, sold) =
                try row.decode((UUID, String, Int64, String, Int64, UUID?, Bool).self)
            return OwnedTicket(
                ticket: TicketView(
                    id: id.lowercasedString, title: title, priceCents: Int(cents), userId: userID.lowercased(),
                    version: Int(version), orderId: orderID?.lowercasedString),
                sold: sold)
        }
    }

    func isSold(id: String) async throws -> Bool {
        guard let uuid = UUID.parse(id) else { return false }
        let rows = try await database.query("""
            SELECT 1 FROM tickets.tickets t
            JOIN orders.orders o ON o.id = t.order_id
            WHERE t.id = \(uuid) AND o.status = 'complete'
            """)
        return rows.first != nil
    }

    private static func view(_ row: PostgresRow) throws -> TicketView {
        let (id, title, cents, userID, version, orderID) = try row.decode((UUID, String, Int64, String, Int64, UUID?).self)
        return TicketView(
            id: id.lowercasedString, title: title, priceCents: Int(cents), userId: userID.lowercased(),
            version: Int(version), orderId: orderID?.lowercasedString)
    }
}
