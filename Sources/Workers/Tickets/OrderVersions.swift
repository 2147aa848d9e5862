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
/// The version is recorded if newer, and only then the ticket is held or released, with no read
/// first and no round trip between. A concurrent consumer's insert or update of the same order
/// is waited for and then compared with, never a constraint error.
///
/// A reservation is one statement. A release is two, pipelined: a statement sees the rows
/// committed when it began, so had it waited inside for a reservation of the same order to
/// commit, it would still see the ticket unheld and lose the release. The second statement
/// begins after that wait and sees the reservation.
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

    /// Records the cancellation of `order` at `version` if that is newer than the one known;
    /// ``release(ticket:from:version:)`` follows it.
    static func recordCancellation(of order: UUID, version: Int) -> PostgresQuery {
        """
        INSERT INTO tickets.order_versions AS known (order_id, version) VALUES (\(order), \(Int32(version)))
        ON CONFLICT (order_id) DO UPDATE SET version = excluded.version WHERE known.version < excluded.version
        """
    }

    /// Releases the ticket from `order` (only from that order) once its cancellation at
    /// `version` is the version known; the ticket as it is now when released, no row otherwise.
    /// A repeat of the cancellation finds the ticket no longer held by the order.
    static func release(ticket: UUID, from order: UUID, version: Int) -> PostgresQuery {
        """
        UPDATE tickets.tickets SET order_id = NULL, version = version + 1
        WHERE id = \(ticket) AND order_id = \(order)
            AND EXISTS (SELECT 1 FROM tickets.order_versions WHERE order_id = \(order) AND version = \(Int32(version)))
        RETURNING id, title, price_cents, user_id, order_id, version
        """
    }
}
