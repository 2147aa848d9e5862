import RedisClient
import TestSupport
import Testing

@Suite("Lua scripts", .timeLimit(.minutes(2)))
struct ScriptTests {
    static let moveDue = RedisScript("""
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        for _, id in ipairs(due) do
          redis.call('XADD', KEYS[2], '*', 'order_id', id)
          redis.call('ZREM', KEYS[1], id)
        end
        return #due
        """)

    @Test("the locally computed SHA1 is the one SCRIPT LOAD returns")
    func sha1MatchesServer() async throws {
        try await withSharedClient { redis, _ throws in
            for source in ["return 1", "", "-- " + String(repeating: "x", count: 1000), "return 'ünïcödé'", Self.moveDue.source] {
                let script = RedisScript(source)
                #expect(try await redis.scriptLoad(script) == script.sha1)
            }
        }
        #expect(RedisScript("abc").sha1 == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test("evalScript runs an atomic multi-key script with keys and arguments")
    func evalWithKeysAndArgs() async throws {
        try await withSharedClient { redis, prefix in
            let schedule = "\(prefix):due", stream = "\(prefix):expired"
            try await redis.zadd(schedule, [SortedSetMember("o1", score: 1), SortedSetMember("o2", score: 2), SortedSetMember("o3", score: 30)])
            let moved = try await redis.evalScript(Self.moveDue, keys: [schedule, stream], args: [10])
            #expect(moved == .integer(2))
            #expect(try await redis.xrange(stream).compactMap { $0["order_id"] } == ["o1", "o2"])
            #expect(try await redis.zcard(schedule) == 1)
        }
    }

    @Test("after SCRIPT FLUSH, evalScript reloads the script transparently (NOSCRIPT)")
    func reloadsAfterFlush() async throws {
        // SCRIPT FLUSH empties the cache for everyone, so this test uses its own server.
        try await withPrivateServer { server in
            let redis = try await RedisClient.connect(configuration: RedisConfiguration(url: server.url))
            let script = RedisScript("return ARGV[1] .. '!'")
            #expect(try await redis.evalScript(script, args: ["hi"]).string == "hi!")
            try await redis.scriptFlush()
            #expect(await redisErrorCode { try await redis.send("EVALSHA", script.sha1, 0, "x") } == .noScript)
            #expect(try await redis.evalScript(script, args: ["again"]).string == "again!")
            #expect(try await redis.send("SCRIPT", "EXISTS", script.sha1) == .array([.integer(1)]))
            await redis.shutdown()
        }
    }

    @Test("a script error is thrown with the server's message")
    func scriptError() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):list"
            try await redis.send("RPUSH", key, "x")
            let script = RedisScript("return redis.call('GET', KEYS[1])")
            #expect(await redisErrorCode { try await redis.evalScript(script, keys: [key]) } == .wrongType)
        }
    }
}
