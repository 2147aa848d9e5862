// String commands: counters and small values.

extension RedisCommandSender {
    /// `GET key` as bytes; nil when the key is missing.
    public func get(_ key: String) async throws -> [UInt8]? {
        let reply = try await send("GET", key)
        if reply.isNull { return nil }
        guard let bytes = reply.bytes else { throw RedisError.unexpected(reply, expected: "a bulk string") }
        return bytes
    }

    /// `GET key` as UTF-8 text; nil when the key is missing.
    public func getString(_ key: String) async throws -> String? {
        try await get(key).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `SET key value [PX ms] [NX|XX]`. Returns false when `NX`/`XX` stopped the write.
    @discardableResult
    public func set(_ key: String, _ value: some RedisArgument, expireAfter: Duration? = nil, condition: ZAddCondition? = nil) async throws -> Bool {
        var command = RedisCommand("SET", key, value)
        if let expireAfter { command.append(contentsOf: ["PX", expireAfter.redisMilliseconds]) }
        switch condition {
        case .onlyNew: command.append("NX")
        case .onlyExisting: command.append("XX")
        case nil: break
        }
        return !(try await send(command)).isNull
    }

    /// `INCRBY key by`; returns the new value.
    @discardableResult
    public func incr(_ key: String, by amount: Int = 1) async throws -> Int {
        try await send("INCRBY", key, amount).asInt()
    }
}
