import Foundation
import PostgresClient
import Synchronization
import WorkerRuntime

/// A before-commit hook that keeps each batch's transaction open until another session of the
/// database waits for a lock (at most `patience`), and counts the batches that saw one: the
/// positive sign that transactions of several loops or copies contended, however the machine
/// schedules them.
public final class Contention: Sendable {
    private let database: PostgresClient
    private let patience: Duration
    private let contended = Mutex(0)

    public init(database: PostgresClient, patience: Duration = .milliseconds(500)) {
        self.database = database
        self.patience = patience
    }

    /// Batches that committed only once another transaction waited for a lock.
    public var batchesContended: Int { contended.withLock { $0 } }

    public var hooks: Worker.Hooks {
        Worker.Hooks(beforeCommit: { [self] _ in try await hold() })
    }

    private func hold() async throws {
        let deadline = ContinuousClock.now + patience
        while ContinuousClock.now < deadline {
            let waiting = try? await database.query("""
                SELECT count(*)::int8 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                """).decodeColumn(Int.self).first
            if (waiting ?? 0) > 0 {
                contended.withLock { $0 += 1 }
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
