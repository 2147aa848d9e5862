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
enum OrderVersions {
    /// Records `version` of `order` in the handler's transaction if it is newer than the one
    /// known, and says whether it was. False for a duplicate or a superseded event.
    ///
    /// One statement, no read first: a concurrent consumer's insert or update of the same order
    /// is waited for and then compared with, never a constraint error.
    static func admit(order: UUID, version: Int, context: MessageContext) async throws -> Bool {
        let recorded = try await context.query("""
            INSERT INTO tickets.order_versions AS known (order_id, version) VALUES (\(order), \(Int32(version)))
            ON CONFLICT (order_id) DO UPDATE SET version = excluded.version
                WHERE known.version < excluded.version
            RETURNING version
            """)
        return !recorded.isEmpty
    }
}
