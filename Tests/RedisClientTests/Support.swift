import RedisClient
import TestSupport

/// A pool on the shared test server and a key prefix no other test uses; the pool is
/// shut down when `body` ends.
func withSharedClient<T>(
    poolSize: Int = 2,
    _ body: (RedisClient, String) async throws -> T
) async throws -> T {
    let server = try await TestServers.redis()
    var configuration = try RedisConfiguration(url: server.url)
    configuration.poolSize = poolSize
    let client = try await RedisClient.connect(configuration: configuration)
    do {
        let result = try await body(client, TestServers.uniqueName("t"))
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}

/// The code of the `RedisError` thrown by `body`, or nil when it succeeds or throws something else.
func redisErrorCode(_ body: () async throws -> some Any) async -> RedisError.Code? {
    do {
        _ = try await body()
        return nil
    } catch let error as RedisError {
        return error.code
    } catch {
        return nil
    }
}

/// A private server for tests that need their own (a password, a kill, a restart); stopped
/// when `body` ends.
func withPrivateServer<T>(
    password: String? = nil,
    _ body: (RedisServer) async throws -> T
) async throws -> T {
    let server = try await RedisServer.start(password: password)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
