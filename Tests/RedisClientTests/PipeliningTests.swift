import Foundation
@testable import RedisClient
import Testing

@Suite("Pipelining, concurrency and binary safety")
struct PipeliningTests {
    @Test("a pipeline returns results in order; an error in the middle fails only its own entry")
    func pipelineOrder() async throws {
        try await withSharedClient { redis, prefix in
            let text = "\(prefix):text", counter = "\(prefix):n"
            let results = try await redis.pipeline([
                RedisCommand("SET", text, "hello"),
                RedisCommand("INCR", counter),
                RedisCommand("INCR", text),
                RedisCommand("INCR", counter),
                RedisCommand("GET", text),
                RedisCommand("GET", "\(prefix):missing"),
            ])
            #expect(results.count == 6)
            #expect(try results[0].get() == .status("OK"))
            #expect(try results[1].get() == .integer(1))
            #expect(throws: RedisError.self) { try results[2].get() }
            if case .failure(let error) = results[2] { #expect(error.code == .server) }
            #expect(try results[3].get() == .integer(2))
            #expect(try results[4].get().string == "hello")
            #expect(try results[5].get() == .null)
            #expect(try await redis.pipeline([]).isEmpty)
        }
    }

    @Test("nested error replies stay values inside arrays (MULTI/EXEC)")
    func nestedErrors() async throws {
        try await withSharedClient(poolSize: 1) { redis, prefix in
            let key = "\(prefix):k"
            let connection = try await redis.dedicatedConnection()
            let results = try await connection.pipeline([
                RedisCommand("MULTI"),
                RedisCommand("SET", key, "x"),
                RedisCommand("INCR", key),
                RedisCommand("EXEC"),
            ])
            let exec = try results[3].get().array
            #expect(exec?.count == 2)
            #expect(exec?[0] == .status("OK"))
            if case .error(let message) = exec?[1] { #expect(message.hasPrefix("ERR")) } else { Issue.record("no nested error") }
            await connection.close()
        }
    }

    @Test("200 concurrent tasks doing INCR and GET through a pool get correct results")
    func concurrentPool() async throws {
        try await withSharedClient(poolSize: 4) { redis, prefix in
            let counter = "\(prefix):counter"
            let seen = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for n in 0..<200 {
                    group.addTask {
                        let value = try await redis.incr(counter)
                        try await redis.set("\(prefix):own:\(n)", "value-\(n)")
                        return (value, try await redis.getString("\(prefix):own:\(n)"))
                    }
                }
                var all: [(Int, String?)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(Set(seen.map(\.0)) == Set(1...200))
            #expect(Set(seen.compactMap(\.1)) == Set((0..<200).map { "value-\($0)" }))
            #expect(try await redis.getString(counter) == "200")
        }
    }

    @Test("values are binary-safe: NUL bytes, every byte value, quotes and newlines, 1 MB")
    func binarySafe() async throws {
        try await withSharedClient { redis, prefix in
            let allBytes = (0...255).map(UInt8.init) + [0, 0, 13, 10, 0]
            try await redis.set("\(prefix):bytes", allBytes)
            #expect(try await redis.get("\(prefix):bytes") == allBytes)

            let awkward = "line1\r\nline2\n\"quoted\" 'single' $5\r\n*3 \\ ünï"
            try await redis.set("\(prefix):awkward", awkward)
            #expect(try await redis.getString("\(prefix):awkward") == awkward)

            let empty: [UInt8] = []
            try await redis.set("\(prefix):empty", empty)
            #expect(try await redis.get("\(prefix):empty") == [])

            let big = (0..<1_048_576).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            try await redis.set("\(prefix):big", big)
            #expect(try await redis.get("\(prefix):big") == big)

            let key = "\(prefix):s"
            try await redis.xadd(key, fields: [("data", awkward), ("nul", "a\u{0}b")])
            let entry = try await redis.xrange(key)[0]
            #expect(entry["data"] == awkward && entry["nul"] == "a\u{0}b")
        }
    }

    @Test("concurrent callers on one connection share round trips")
    func autoPipelining() async throws {
        try await withSharedClient(poolSize: 1) { redis, prefix in
            let key = "\(prefix):n"
            let flightsBefore = redis.flightCount
            let answers = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<500 { group.addTask { try await redis.incr(key) } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            // Every command runs once and gets its own answer: auto-pipelining batches, it never
            // merges, drops or mixes up replies.
            #expect(answers.sorted() == Array(1...500))
            #expect(try await redis.getString(key) == "500")
            let flights = redis.flightCount - flightsBefore
            #expect(flights < 250, "500 concurrent INCRs took \(flights) round trips")
        }
    }
}
