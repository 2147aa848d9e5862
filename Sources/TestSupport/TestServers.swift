import Foundation

/// Servers shared by every test in the process, started on first use and stopped at exit.
/// Tests isolate themselves inside them with ``uniqueName(_:)``: a key prefix, a database.
public enum TestServers {
    public static func redis() async throws -> RedisServer {
        try await shared.redis()
    }

    public static func postgres() async throws -> PostgresServer {
        try await shared.postgres()
    }

    /// A name no other test uses: `<prefix>_<12 random lowercase letters and digits>`, safe as a
    /// key prefix and as an unquoted Postgres identifier.
    public static func uniqueName(_ prefix: String) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let suffix = String((0..<12).map { _ in alphabet.randomElement()! })
        return "\(prefix)_\(suffix)"
    }

    private static let shared = SharedServers()
}

private actor SharedServers {
    private var redisStart: Task<RedisServer, Error>?
    private var postgresStart: Task<PostgresServer, Error>?

    func redis() async throws -> RedisServer {
        if redisStart == nil { redisStart = Task { try await RedisServer.start() } }
        return try await redisStart!.value
    }

    func postgres() async throws -> PostgresServer {
        if postgresStart == nil { postgresStart = Task { try await PostgresServer.start() } }
        return try await postgresStart!.value
    }
}
