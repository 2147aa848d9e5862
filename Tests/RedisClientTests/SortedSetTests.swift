import RedisClient
import Testing

@Suite("Sorted set commands", .timeLimit(.minutes(2)))
struct SortedSetTests {
    @Test("ZADD many members, ZCARD, ZSCORE, ZREM")
    func basics() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):due"
            let added = try await redis.zadd(key, [
                SortedSetMember("order-1", score: 100), SortedSetMember("order-2", score: 200.5),
                SortedSetMember("order-3", score: 300),
            ])
            #expect(added == 3)
            #expect(try await redis.zcard(key) == 3)
            #expect(try await redis.zscore(key, member: "order-2") == 200.5)
            #expect(try await redis.zscore(key, member: "missing") == nil)
            #expect(try await redis.zrem(key, members: ["order-1", "missing"]) == 1)
            #expect(try await redis.zcard(key) == 2)
        }
    }

    @Test("ZADD NX, XX, GT, LT and CH")
    func addOptions() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):z"
            try await redis.zadd(key, member: "m", score: 10)
            #expect(try await redis.zadd(key, member: "m", score: 1, condition: .onlyNew) == 0)
            #expect(try await redis.zscore(key, member: "m") == 10)
            #expect(try await redis.zadd(key, member: "new", score: 1, condition: .onlyExisting) == 0)
            #expect(try await redis.zscore(key, member: "new") == nil)
            #expect(try await redis.zadd(key, member: "m", score: 5, comparison: .greaterThan, countChanged: true) == 0)
            #expect(try await redis.zadd(key, member: "m", score: 20, comparison: .greaterThan, countChanged: true) == 1)
            #expect(try await redis.zadd(key, member: "m", score: 15, condition: .onlyExisting, comparison: .lessThan, countChanged: true) == 1)
            #expect(try await redis.zscore(key, member: "m") == 15)
        }
    }

    @Test("ZRANGEBYSCORE with bounds, LIMIT and WITHSCORES")
    func rangeByScore() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):z"
            try await redis.zadd(key, (1...10).map { SortedSetMember("m\($0)", score: Double($0)) })
            #expect(try await redis.zrangeByScore(key, min: 3, max: 5) == ["m3", "m4", "m5"])
            #expect(try await redis.zrangeByScore(key, min: .exclusive(3), max: .exclusive(5)) == ["m4"])
            #expect(try await redis.zrangeByScore(key, min: .negativeInfinity, max: 2.5) == ["m1", "m2"])
            #expect(try await redis.zrangeByScore(key, min: 8, max: .positiveInfinity, limit: (offset: 1, count: 5)) == ["m9", "m10"])
            let scored = try await redis.zrangeByScoreWithScores(key, min: .negativeInfinity, max: .positiveInfinity, limit: (0, 2))
            #expect(scored == [SortedSetMember("m1", score: 1), SortedSetMember("m2", score: 2)])
            #expect(try await redis.zrangeByScore("\(prefix):none", min: 0, max: 1).isEmpty)
        }
    }

    @Test("ZCOUNT counts members within score bounds")
    func count() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):z"
            try await redis.zadd(key, (1...10).map { SortedSetMember("m\($0)", score: Double($0)) })
            #expect(try await redis.zcount(key, min: .negativeInfinity, max: 3) == 3)
            #expect(try await redis.zcount(key, min: .exclusive(3), max: .positiveInfinity) == 7)
            #expect(try await redis.zcount("\(prefix):none", min: .negativeInfinity, max: .positiveInfinity) == 0)
        }
    }
}
