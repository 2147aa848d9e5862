import BenchmarkSupport
import Contracts
import Foundation
import PostgresClient
import RedisClient

/// Waits until the fleet has nothing left to do: every consumer group on every command and
/// event stream has been handed every entry and acknowledged it, and no outbox row waits to
/// be published.
enum Drain {
    static func wait(redis: RedisClient, database: PostgresClient, keys: KeySpace, timeout: Duration = .seconds(600)) async throws -> ContinuousClock.Instant {
        let streams = ServiceName.allCases.map(keys.commands) + EventName.allCases.map(keys.events)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            // An entry handled after the first look may have left an unpublished outbox row,
            // so the streams are looked at again after the outbox, and must not have grown.
            if let before = try await streamsIdle(streams, redis), try await outboxEmpty(database),
               let after = try await streamsIdle(streams, redis), after == before {
                return .now
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchmarkError("the fleet did not drain within \(timeout)")
    }

    /// Entries ever added to the streams if every group is caught up with nothing pending, else nil.
    private static func streamsIdle(_ streams: [String], _ redis: RedisClient) async throws -> Int? {
        var added = 0
        for stream in streams {
            // A stream nobody has written to yet does not exist: nothing to drain.
            guard let info = try? await redis.xinfoStream(stream) else { continue }
            let last = StreamID(info.lastGeneratedID)
            for group in try await redis.xinfoGroups(stream) {
                // `lag` is nil once entries were trimmed, so compare ids instead.
                guard group.pending == 0, let delivered = StreamID(group.lastDeliveredID), let last, delivered >= last
                else { return nil }
            }
            added += info.entriesAdded ?? info.length
        }
        return added
    }

    private static func outboxEmpty(_ database: PostgresClient) async throws -> Bool {
        let rows = try await database.query("SELECT NOT EXISTS (SELECT 1 FROM messaging.outbox)")
        return try rows[0].decode(Bool.self, at: 0)
    }
}
