import Foundation
import RedisClient
import Testing

@Suite("Keys and server commands")
struct KeysTests {
    @Test("DEL, EXISTS and EXPIRE")
    func keys() async throws {
        try await withSharedClient { redis, prefix in
            let a = "\(prefix):a", b = "\(prefix):b"
            try await redis.set(a, "1")
            try await redis.set(b, "2")
            #expect(try await redis.exists(a, b, "\(prefix):c") == 2)
            #expect(try await redis.expire(a, after: .milliseconds(50)))
            #expect(try await redis.expire("\(prefix):c", after: .seconds(5)) == false)
            try await Task.sleep(for: .milliseconds(120))
            #expect(try await redis.exists(a) == 0)
            #expect(try await redis.del(a, b) == 1)
            #expect(try await redis.del([String]()) == 0)
        }
    }

    @Test("SET options, GET and INCR")
    func strings() async throws {
        try await withSharedClient { redis, prefix throws in
            let key = "\(prefix):k"
            #expect(try await redis.set(key, "v", condition: .onlyExisting) == false)
            #expect(try await redis.set(key, "v", condition: .onlyNew))
            #expect(try await redis.set(key, "w", condition: .onlyNew) == false)
            #expect(try await redis.getString(key) == "v")
            #expect(try await redis.incr("\(prefix):n") == 1)
            #expect(try await redis.incr("\(prefix):n", by: 41) == 42)
            #expect(try await redis.get("\(prefix):missing") == nil)
        }
    }

    @Test("SCAN finds every key under a pattern, of one type; TYPE names a key's type")
    func scan() async throws {
        try await withSharedClient { redis, prefix in
            for i in 0..<30 { try await redis.xadd("\(prefix):s\(i)", fields: [("n", "1")]) }
            try await redis.set("\(prefix):plain", "1")
            try await redis.xadd("\(prefix)x:other", fields: [("n", "1")])
            let streams = try await redis.scanAll(matching: "\(prefix):*", type: .stream, count: 7)
            #expect(streams == (0..<30).map { "\(prefix):s\($0)" }.sorted())
            #expect(try await redis.scanAll(matching: "\(prefix):*").count == 31)
            #expect(try await redis.keyType("\(prefix):s0") == .stream)
            #expect(try await redis.keyType("\(prefix):plain") == .string)
            #expect(try await redis.keyType("\(prefix):missing") == nil)
        }
    }

    @Test("TIME is close to the local clock; PING; INFO parses into fields")
    func server() async throws {
        try await withSharedClient { redis, _ in
            let serverTime = try await redis.time()
            #expect(abs(serverTime.timeIntervalSinceNow) < 5)
            let micros = try await redis.timeMicroseconds()
            #expect(micros > 1_600_000_000_000_000)
            #expect(try await redis.ping() == "PONG")
            #expect(try await redis.ping("echo me") == "echo me")
            let info = try await redis.info("server")
            // Any server the README supports: 6.2 or later.
            let version = try #require(info["redis_version"]).split(separator: ".").compactMap { Int($0) }
            #expect(version.count >= 2 && (version[0], version[1]) >= (6, 2), "\(info["redis_version"] ?? "")")
            #expect(info["tcp_port"] != nil)
            let everything = try await redis.info()
            #expect(everything["connected_clients"] != nil)
        }
    }
}
