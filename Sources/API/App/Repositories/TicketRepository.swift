import Contracts
import Foundation
import PostgresClient

/// Tickets as the tickets service keeps them (`tickets.tickets`).
protocol TicketRepository: Sendable {
    /// Tickets not held by an order, oldest first.
    func available(limit: Int, offset: Int) async throws -> [TicketView]
    func ticket(id: String) async throws -> TicketView?
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
        guard let uuid = UUID(uuidString: id) else { return nil }
        let rows = try await database.query("""
            SELECT id, title, price_cents::int8, user_id::text, version::int8, order_id
            FROM tickets.tickets
            WHERE id = \(uuid)
            """)
        return try rows.first.map(Self.view)
    }

    private static func view(_ row: PostgresRow) throws -> TicketView {
        let (id, title, cents, userID, version, orderID) = try row.decode((UUID, String, Int64, String, Int64, UUID?).self)
        return TicketView(
            id: id.uuidString.lowercased(), title: title, priceCents: Int(cents), userId: userID.lowercased(),
            version: Int(version), orderId: orderID?.uuidString.lowercased())
    }
}
