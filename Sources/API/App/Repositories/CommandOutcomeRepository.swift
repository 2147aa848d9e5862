import Foundation
import PostgresClient

/// Command outcomes as the services stored them with their inbox rows (`messaging.inbox`).
protocol CommandOutcomeRepository: Sendable {
    /// The reply to command `id`, or nil while it has not been handled.
    func outcome(of id: UUID) async throws -> ServiceReply?
}

struct PostgresCommandOutcomeRepository: CommandOutcomeRepository {
    let database: PostgresClient

    func outcome(of id: UUID) async throws -> ServiceReply? {
        let rows = try await database.query("""
            SELECT reply_status, reply_body
            FROM messaging.inbox
            WHERE message_id = \(id) AND reply_status IS NOT NULL
            LIMIT 1
            """)
        guard let row = rows.first else { return nil }
        let (status, body) = try row.decode((Int32, String?).self)
        return ServiceReply(status: Int(status), body: body ?? "")
    }
}
