import Foundation
import PostgresClient
import Synchronization

/// Outbox rows this process published right after their commit, not yet deleted from the
/// outbox. The deletes ride in the next batch's transaction (no commit of their own), or the
/// relay makes them when no batch comes. A delete that is lost only lets the relay publish that
/// row again later, which consumers drop as a duplicate.
final class PublishedMarks: Sendable {
    private let ids = Mutex<[UUID]>([])

    func add(_ published: [UUID]) {
        guard !published.isEmpty else { return }
        ids.withLock { $0 += published }
    }

    /// Everything waiting; the caller marks it, or gives it back with ``add(_:)``.
    func take() -> [UUID] {
        ids.withLock { ids in
            defer { ids.removeAll() }
            return ids
        }
    }

    /// The statement that takes the published rows `ids` out of the outbox.
    static func delete(_ ids: [UUID]) -> PostgresQuery {
        "DELETE FROM messaging.outbox WHERE message_id = ANY(\(ids))"
    }
}
