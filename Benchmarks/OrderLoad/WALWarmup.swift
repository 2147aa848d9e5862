import Foundation
import PostgresClient
import TestSupport

/// Gives a fresh Postgres the recycled WAL segments of one that has been running. A young
/// cluster makes each new 16 MB segment by writing it full of zeros while the commits that need
/// it wait; a server in service renames segments a checkpoint retired instead, and writes into
/// files that no longer grow. Switching segments ``segments`` times and then checkpointing leaves
/// that many to recycle (a checkpoint keeps as many as the WAL written since the last one, up
/// to `max_wal_size`), so the phases measure the steady state rather than the first hour.
enum WALWarmup {
    static let segments = 48

    static func run(_ server: PostgresServer) async throws -> Double {
        let start = ContinuousClock.now
        let database = PostgresClient(configuration: try PostgresConfiguration(server.url(database: "postgres"), poolSize: 1))
        defer { Task { await database.close() } }
        for _ in 0..<segments {
            // A switch needs WAL written since the last one: an xid's commit record.
            try await database.query("SELECT pg_current_xact_id()")
            try await database.query("SELECT pg_switch_wal()")
        }
        try await database.query("CHECKPOINT")
        return (ContinuousClock.now - start).seconds
    }
}
