// Sorted set commands: the expiration schedule (order ids scored by due time).

extension RedisCommandSender {
    /// `ZADD key [NX|XX] [GT|LT] [CH] score member …`. Returns how many members were
    /// added, or with `countChanged` added plus re-scored.
    @discardableResult
    public func zadd(
        _ key: String, _ members: [SortedSetMember],
        condition: ZAddCondition? = nil, comparison: ZAddComparison? = nil, countChanged: Bool = false
    ) async throws -> Int {
        if members.isEmpty { return 0 }
        var command = RedisCommand("ZADD", key)
        switch condition {
        case .onlyNew: command.append("NX")
        case .onlyExisting: command.append("XX")
        case nil: break
        }
        switch comparison {
        case .greaterThan: command.append("GT")
        case .lessThan: command.append("LT")
        case nil: break
        }
        if countChanged { command.append("CH") }
        for member in members {
            command.append(member.score)
            command.append(member.member)
        }
        return try await send(command).asInt()
    }

    /// `ZADD` of one member.
    @discardableResult
    public func zadd(
        _ key: String, member: String, score: Double,
        condition: ZAddCondition? = nil, comparison: ZAddComparison? = nil, countChanged: Bool = false
    ) async throws -> Int {
        try await zadd(key, [SortedSetMember(member, score: score)], condition: condition, comparison: comparison, countChanged: countChanged)
    }

    /// `ZREM key member…`; returns how many were removed.
    @discardableResult
    public func zrem(_ key: String, members: [String]) async throws -> Int {
        if members.isEmpty { return 0 }
        return try await send(RedisCommand("ZREM", arguments: [key] + members)).asInt()
    }

    /// `ZRANGEBYSCORE key min max [LIMIT offset count]`: members, lowest score first.
    public func zrangeByScore(
        _ key: String, min: ScoreBound, max: ScoreBound, limit: (offset: Int, count: Int)? = nil
    ) async throws -> [String] {
        let command = Self.rangeCommand(key, min, max, limit, withScores: false)
        return try (try await send(command)).asArray().map { try $0.asString() }
    }

    /// `ZRANGEBYSCORE key min max WITHSCORES [LIMIT offset count]`: members with scores.
    public func zrangeByScoreWithScores(
        _ key: String, min: ScoreBound, max: ScoreBound, limit: (offset: Int, count: Int)? = nil
    ) async throws -> [SortedSetMember] {
        let command = Self.rangeCommand(key, min, max, limit, withScores: true)
        let reply = try await send(command)
        let flat = try reply.asArray()
        guard flat.count % 2 == 0 else { throw RedisError.unexpected(reply, expected: "member/score pairs") }
        return try stride(from: 0, to: flat.count, by: 2).map {
            SortedSetMember(try flat[$0].asString(), score: try flat[$0 + 1].asDouble())
        }
    }

    private static func rangeCommand(
        _ key: String, _ min: ScoreBound, _ max: ScoreBound, _ limit: (offset: Int, count: Int)?, withScores: Bool
    ) -> RedisCommand {
        var command = RedisCommand("ZRANGEBYSCORE", key, min.argument, max.argument)
        if withScores { command.append("WITHSCORES") }
        if let limit { command.append(contentsOf: ["LIMIT", limit.offset, limit.count]) }
        return command
    }

    /// `ZCARD key`: the number of members (0 for a missing key).
    public func zcard(_ key: String) async throws -> Int {
        try await send("ZCARD", key).asInt()
    }

    /// `ZCOUNT key min max`: how many members have a score in the range.
    public func zcount(_ key: String, min: ScoreBound, max: ScoreBound) async throws -> Int {
        try await send("ZCOUNT", key, min.argument, max.argument).asInt()
    }

    /// `ZSCORE key member`: nil when the member is not there.
    public func zscore(_ key: String, member: String) async throws -> Double? {
        let reply = try await send("ZSCORE", key, member)
        return reply.isNull ? nil : try reply.asDouble()
    }
}
