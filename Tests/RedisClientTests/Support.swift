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

/// Waits until the connection `clientID` is blocked in `command` at the server (`CLIENT LIST`
/// shows the command and the `b` flag), so whatever the test does next meets a blocked read.
func awaitBlocked(_ redis: some RedisCommandSender, clientID: Int, command: String = "xreadgroup", timeout: Duration = .seconds(20)) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        let line = try await redis.send(RedisCommand("CLIENT", "LIST", "ID", clientID)).string ?? ""
        let fields = Dictionary(line.split(separator: " ").compactMap { field -> (String, String)? in
            let parts = field.split(separator: "=", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), String(parts[1]).trimmingCharacters(in: .whitespacesAndNewlines)) : nil
        }, uniquingKeysWith: { first, _ in first })
        if fields["cmd"] == command && fields["flags"]?.contains("b") == true { return }
        guard ContinuousClock.now < deadline else { throw TestSupportError("client \(clientID) was not blocked in \(command) within \(timeout): \(line)") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// Waits until the server no longer lists the connection `clientID`.
func awaitGone(_ redis: some RedisCommandSender, clientID: Int, timeout: Duration = .seconds(20)) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !(redis.send(RedisCommand("CLIENT", "LIST", "ID", clientID)).string ?? "").isEmpty {
        guard ContinuousClock.now < deadline else { throw TestSupportError("client \(clientID) was still connected after \(timeout)") }
        try await Task.sleep(for: .milliseconds(10))
    }
}
