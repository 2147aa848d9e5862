// Lua scripts: atomic multi-key changes, called by SHA and reloaded when the server lost them.

extension RedisCommandSender {
    /// `SCRIPT LOAD source`; returns the SHA1 the server computed.
    @discardableResult
    public func scriptLoad(_ script: RedisScript) async throws -> String {
        try await send("SCRIPT", "LOAD", script.source).asString()
    }

    /// `SCRIPT FLUSH`: drops every cached script on the server.
    public func scriptFlush() async throws {
        _ = try await send("SCRIPT", "FLUSH")
    }

    /// Runs `script` with `EVALSHA`. When the server does not have it (`NOSCRIPT`: after a
    /// restart, a failover or `SCRIPT FLUSH`), loads it and runs it again in one round trip.
    @discardableResult
    public func evalScript(_ script: RedisScript, keys: [String] = [], args: [any RedisArgument] = []) async throws -> RedisReply {
        let evalsha = RedisCommand("EVALSHA", arguments: [script.sha1, keys.count] + keys + args)
        do {
            return try await send(evalsha)
        } catch let error as RedisError where error.code == .noScript {
            let results = try await pipeline([RedisCommand("SCRIPT", "LOAD", script.source), evalsha])
            _ = try results[0].get()
            return try results[1].get()
        }
    }
}
