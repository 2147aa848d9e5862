import Logging

/// Something that sends Redis commands: the pooled ``RedisClient`` and the dedicated
/// ``RedisConnection``. The typed command families are extensions on this protocol.
public protocol RedisCommandSender: Sendable {
    /// Sends one command and returns its reply. A server error reply is thrown as a
    /// ``RedisError`` whose code comes from the reply's first word.
    func send(_ command: RedisCommand) async throws -> RedisReply

    /// Sends `commands` in one round trip and returns one result per command, in order:
    /// an error reply fails its own entry only. Throws when the flight itself fails
    /// (connection lost, timeout, closed).
    func pipeline(_ commands: [RedisCommand]) async throws -> [Result<RedisReply, RedisError>]
}

extension RedisCommandSender {
    /// Sends a command built from its name and arguments: `send("SET", key, value)`.
    @discardableResult
    public func send(_ name: String, _ arguments: any RedisArgument...) async throws -> RedisReply {
        try await send(RedisCommand(name, arguments: arguments))
    }
}

extension PipelinedConnection {
    func send(_ command: RedisCommand) async throws -> RedisReply {
        guard let result = try await submit([command]).first else {
            throw RedisError(code: .protocol, message: "no reply to \(command.name)")
        }
        return try result.get()
    }
}

extension Logger {
    /// The default when no logger is passed in: silent.
    static let redisNoOp = Logger(label: "RedisClient", factory: { _ in SwiftLogNoOpLogHandler() })
}
