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

    static func ticket(_ id: UUID) -> PostgresQuery {
        "SELECT title, price_cents FROM orders.tickets WHERE id = \(id)"
    }

    /// Writes the ticket's state at `version` if that is newer than the replica's (or the
    /// first one seen); no row for a duplicate or an event a newer one superseded. Every ticket
    /// event carries the whole state the replica keeps, so the newest wins and none waits.
    static func applyTicket(id: UUID, title: String, priceCents: Int, version: Int) -> PostgresQuery {
        """
        INSERT INTO orders.tickets AS known (id, title, price_cents, version)
        VALUES (\(id), \(title), \(priceCents), \(version))
        ON CONFLICT (id) DO UPDATE
            SET title = excluded.title, price_cents = excluded.price_cents, version = excluded.version
            WHERE known.version < excluded.version
        RETURNING version
        """
    }

    // MARK: orders

    /// A new order for the ticket, unless the ticket has a live order: then no row (the partial
    /// unique index decides, also against concurrent transactions).
    static func insertOrder(id: UUID, user: UUID, ticket: UUID, ttl: Duration) -> PostgresQuery {
        """
        INSERT INTO orders.orders (id, user_id, ticket_id, status, expires_at, version)
        VALUES (\(id), \(user), \(ticket), \(OrderStatus.created.rawValue), now() + make_interval(secs => \(ttl.inSeconds)), 0)
        ON CONFLICT DO NOTHING
        RETURNING expires_at
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

    /// The tickets service confirmed the reservation: the order waits for its payment. Not
    /// announced; the version still counts the change.
    static func awaitPayment(id: UUID, ticket: UUID) -> PostgresQuery {
        """
        UPDATE orders.orders SET status = \(OrderStatus.awaitingPayment.rawValue), version = version + 1
        WHERE id = \(id) AND ticket_id = \(ticket) AND status = \(OrderStatus.created.rawValue)
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
