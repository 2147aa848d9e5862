import Foundation
import PostgresClient
import WorkerRuntime

/// What this service knows of each order: the last version of it whose event was applied.
///
/// An order has two events here, order:created (version 0) and order:cancelled (its last
/// version), on two streams, so either can come first. The orders service decides which order
/// is live; this replica follows it by letting the newest version win: a cancellation applies
/// whether or not the creation was seen, and a creation that comes after its cancellation is
/// superseded and has no effect. Nothing ever waits for an older event, so nothing waits for
/// ever. (The orders service also bumps the version for changes it announces to nobody, so a
/// cancellation may skip versions; that changes nothing here.)
///
/// Each event is one statement: the version is recorded if newer, and only then (in the same
/// statement, so with no read first and no round trip between) the ticket is held or released.
/// A concurrent consumer's insert or update of the same order is waited for and then compared
/// with, never a constraint error.
enum OrderVersions {
    /// Holds the ticket for `order` if this version is newer than the one known. One row:
    /// whether the version was admitted, the ticket's holder before this statement, and the
    /// ticket as it is now if this statement reserved it (nulls otherwise).
    static func reserve(ticket: UUID, for order: UUID, version: Int) -> PostgresQuery {
        """
        WITH admitted AS (
            INSERT INTO tickets.order_versions AS known (order_id, version) VALUES (\(order), \(Int32(version)))
            ON CONFLICT (order_id) DO UPDATE SET version = excluded.version WHERE known.version < excluded.version
            RETURNING version
        ),
        reserved AS (
            UPDATE tickets.tickets SET order_id = \(order), version = version + 1
            WHERE id = \(ticket) AND order_id IS NULL AND EXISTS (SELECT 1 FROM admitted)
            RETURNING id, title, price_cents, user_id, order_id, version
        )
        SELECT EXISTS (SELECT 1 FROM admitted), (SELECT order_id FROM tickets.tickets WHERE id = \(ticket)),
            reserved.id, reserved.title, reserved.price_cents, reserved.user_id, reserved.order_id, reserved.version
        FROM (VALUES (1)) AS one LEFT JOIN reserved ON true
        """
    }

    /// Releases the ticket from `order` (only from that order) if this version is newer than
    /// the one known; the ticket as it is now when released, no row otherwise.
    static func release(ticket: UUID, from order: UUID, version: Int) -> PostgresQuery {
        """
        WITH admitted AS (
            INSERT INTO tickets.order_versions AS known (order_id, version) VALUES (\(order), \(Int32(version)))
            ON CONFLICT (order_id) DO UPDATE SET version = excluded.version WHERE known.version < excluded.version
            RETURNING version
        )
        UPDATE tickets.tickets SET order_id = NULL, version = version + 1
        WHERE id = \(ticket) AND order_id = \(order) AND EXISTS (SELECT 1 FROM admitted)
        RETURNING id, title, price_cents, user_id, order_id, version
        """
    }
}
