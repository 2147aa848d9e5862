import PostgresClient
import RedisClient
import Synchronization

/// Whether a process can do its work; `/readyz` answers 200 or 503 from it.
public protocol ReadinessProbe: Sendable {
    func isReady() async -> Bool
}

/// Redis answers PING and Postgres answers `SELECT 1`, each within a short deadline (a dead
/// server must not hold the probe for a reconnect budget).
public struct ServersReadiness: ReadinessProbe {
    let redis: RedisClient
    let database: PostgresClient
    let timeout: Duration

    public init(redis: RedisClient, database: PostgresClient, timeout: Duration) {
        self.redis = redis
        self.database = database
        self.timeout = timeout
    }

    public func isReady() async -> Bool {
        async let redisUp = Deadline.run(timeout) { _ = try await redis.ping() }
        async let databaseUp = Deadline.run(timeout) { try await database.query("SELECT 1") }
        let (redisReady, databaseReady) = await (redisUp, databaseUp)
        return redisReady && databaseReady
    }
}

/// Runs work with a deadline without waiting for it to notice cancellation: the caller gets
/// its answer at the deadline even if the work is stuck in a blocking call.
public enum Deadline {
    /// True if `work` finished without error within `timeout`.
    public static func run(_ timeout: Duration, _ work: @escaping @Sendable () async throws -> Void) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let pending = Mutex<CheckedContinuation<Bool, Never>?>(continuation)
            let resume: @Sendable (Bool) -> Void = { value in
                pending.withLock { $0.take() }?.resume(returning: value)
            }
            let worker = Task {
                let succeeded = (try? await work()) != nil
                resume(succeeded)
            }
            Task {
                // Only a full sleep times out; the worker may already have answered.
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                resume(false)
                worker.cancel()
            }
        }
    }
}
