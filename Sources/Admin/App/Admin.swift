import Contracts
import RedisClient

/// The admin tool's view of one fleet: its key space and a Redis connection. Every report and
/// action is a method on it, so the executable and the tests run the same code.
public struct Admin: Sendable {
    public let keys: KeySpace
    public let redis: RedisClient

    public init(keys: KeySpace, redis: RedisClient) {
        self.keys = keys
        self.redis = redis
    }

    /// Connects to the Redis at `url` with a single connection, and fails at once with an
    /// ``AdminError`` when the URL is unusable or the server cannot be reached.
    public static func connect(url: String, keys: KeySpace) async throws -> Admin {
        var configuration: RedisConfiguration
        do {
            configuration = try RedisConfiguration(url: url)
        } catch let error as RedisError {
            throw AdminError(.invalidInput, "the Redis URL is not usable: \(error.message)")
        }
        configuration.poolSize = 1
        configuration.clientName = "ticketing-admin"
        do {
            return Admin(keys: keys, redis: try await RedisClient.connect(configuration: configuration))
        } catch let error as RedisError {
            throw AdminError(redis: error, at: configuration.endpoint)
        }
    }

    /// Runs `body` and closes the connection, turning Redis failures into ``AdminError``s.
    public func run<T>(_ body: (Admin) async throws -> T) async throws -> T {
        do {
            let result = try await body(self)
            await close()
            return result
        } catch let error as RedisError {
            await close()
            throw AdminError(redis: error, at: redis.configuration.endpoint)
        } catch {
            await close()
            throw error
        }
    }

    public func close() async {
        await redis.shutdown()
    }
}
