import Observability
import PostgresClient
import RedisClient
import Synchronization

/// `/readyz` for a worker: ready once it consumes (migrated, groups joined) and while its Redis
/// and Postgres answer; not ready before that and from the moment it starts to drain.
public final class WorkerReadiness: ReadinessProbe {
    private let servers = Mutex<ServersReadiness?>(nil)
    private let timeout: Duration

    init(timeout: Duration = .seconds(2)) {
        self.timeout = timeout
    }

    func consuming(redis: RedisClient, database: PostgresClient) {
        servers.withLock { $0 = ServersReadiness(redis: redis, database: database, timeout: timeout) }
    }

    func draining() {
        servers.withLock { $0 = nil }
    }

    public func isReady() async -> Bool {
        guard let servers = servers.withLock({ $0 }) else { return false }
        return await servers.isReady()
    }
}
