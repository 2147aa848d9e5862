import Foundation
import PostgresClient

/// The SQL of the tickets schema. Every change bumps `version` in the statement itself, so
/// two consumers changing one ticket never hand out the same version.
enum TicketQueries {
    static func insert(_ ticket: TicketRecord) -> PostgresQuery {
        """
        INSERT INTO tickets.tickets (id, title, price_cents, user_id, order_id, version)
        VALUES (\(ticket.id), \(ticket.title), \(ticket.priceCents), \(ticket.userID), \(ticket.orderID), \(Int32(ticket.version)))
        """
    }

    /// Changes the ticket only if `owner` owns it and no order holds it; no row otherwise
    /// (``ownerAndHolder(id:)`` then tells why).
    static func update(id: UUID, owner: UUID, title: String, priceCents: Int) -> PostgresQuery {
        """
        UPDATE tickets.tickets SET title = \(title), price_cents = \(priceCents), version = version + 1
        WHERE id = \(id) AND user_id = \(owner) AND order_id IS NULL
        RETURNING id, title, price_cents, user_id, order_id, version
        """
    }

    /// Who owns the ticket and which order holds it; no row when there is no such ticket.
    static func ownerAndHolder(id: UUID) -> PostgresQuery {
        "SELECT user_id, order_id FROM tickets.tickets WHERE id = \(id)"
    }

    /// Holds a free ticket for `order`; no row when it is missing or already held.
    static func reserve(id: UUID, for order: UUID) -> PostgresQuery {
        """
        UPDATE tickets.tickets SET order_id = \(order), version = version + 1
        WHERE id = \(id) AND order_id IS NULL
        RETURNING id, title, price_cents, user_id, order_id, version
        """
    }

    /// Frees the ticket if `order` holds it; no row otherwise (another order's, or already free).
    static func release(id: UUID, from order: UUID) -> PostgresQuery {
        """
        UPDATE tickets.tickets SET order_id = NULL, version = version + 1
        WHERE id = \(id) AND order_id = \(order)
        RETURNING id, title, price_cents, user_id, order_id, version
        """
    }
}
