import Contracts
import Foundation
import PostgresClient

/// The SQL of the orders service. Every state change is a conditional statement whose
/// returned rows say whether it happened, so concurrent consumers decide on rows, never on
/// constraint errors.
enum OrderQueries {
    /// The statuses in which an order still holds its ticket and can change.
    static let live = [OrderStatus.created.rawValue, OrderStatus.awaitingPayment.rawValue]

    // MARK: tickets replica

    /// Writes the ticket's state at `version` if that is newer than the replica's (or the
    /// first one seen); nothing for a duplicate or an event a newer one superseded. Every ticket
    /// event carries the whole state the replica keeps, so the newest wins and none waits.
    ///
    /// With `reservedFor`, an order the ticket now names, the same statement moves that order on
    /// to awaiting payment, but only if this event applied: a superseded reservation needs no
    /// follow-up (only the order's cancellation releases a ticket, so that order is not live).
    static func applyTicket(id: UUID, title: String, priceCents: Int, version: Int, reservedFor order: UUID?) -> PostgresQuery {
        """
        WITH applied AS (
            INSERT INTO orders.tickets AS known (id, title, price_cents, version)
            VALUES (\(id), \(title), \(priceCents), \(version))
            ON CONFLICT (id) DO UPDATE
                SET title = excluded.title, price_cents = excluded.price_cents, version = excluded.version
                WHERE known.version < excluded.version
            RETURNING id
        )
        UPDATE orders.orders SET status = \(OrderStatus.awaitingPayment.rawValue), version = version + 1
        WHERE id = \(order) AND ticket_id = \(id) AND status = \(OrderStatus.created.rawValue)
            AND EXISTS (SELECT 1 FROM applied)
        """
    }

    // MARK: orders

    /// A new order for the ticket, unless the ticket has a live order (the partial unique index
    /// decides, also against concurrent transactions), in one statement with the ticket's read.
    /// No row: no such ticket. A row with a null `expires_at`: the ticket is already reserved.
    static func placeOrder(id: UUID, user: UUID, ticket: UUID, ttl: Duration) -> PostgresQuery {
        """
        WITH ticket AS (SELECT id, title, price_cents FROM orders.tickets WHERE id = \(ticket)),
        placed AS (
            INSERT INTO orders.orders (id, user_id, ticket_id, status, expires_at, version)
            SELECT \(id), \(user), id, \(OrderStatus.created.rawValue), now() + make_interval(secs => \(ttl.inSeconds)), 0 FROM ticket
            ON CONFLICT DO NOTHING
            RETURNING expires_at
        )
        SELECT ticket.title, ticket.price_cents, placed.expires_at FROM ticket LEFT JOIN placed ON true
        """
    }

    /// Cancels the user's order if it is live; returns its new version and ticket.
    static func cancel(id: UUID, user: UUID) -> PostgresQuery {
        """
        UPDATE orders.orders SET status = \(OrderStatus.cancelled.rawValue), version = version + 1
        WHERE id = \(id) AND user_id = \(user) AND status = ANY(\(live))
        RETURNING version, ticket_id
        """
    }

    /// Cancels the order if it is live, whoever owns it (it expired).
    static func expire(id: UUID) -> PostgresQuery {
        """
        UPDATE orders.orders SET status = \(OrderStatus.cancelled.rawValue), version = version + 1
        WHERE id = \(id) AND status = ANY(\(live))
        RETURNING version, ticket_id
        """
    }

    /// Completes the order if it is live: a cancelled (expired) order stays cancelled.
    static func complete(id: UUID) -> PostgresQuery {
        """
        UPDATE orders.orders SET status = \(OrderStatus.complete.rawValue), version = version + 1
        WHERE id = \(id) AND status = ANY(\(live))
        """
    }

    static func status(id: UUID, user: UUID) -> PostgresQuery {
        "SELECT status FROM orders.orders WHERE id = \(id) AND user_id = \(user)"
    }

    /// Live orders past their expiry by more than `grace`, oldest first.
    static func overdue(grace: Duration, limit: Int) -> PostgresQuery {
        """
        SELECT id FROM orders.orders
        WHERE status = ANY(\(live)) AND expires_at < now() - make_interval(secs => \(grace.inSeconds))
        ORDER BY expires_at
        LIMIT \(limit)
        """
    }
}
