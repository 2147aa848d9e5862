import Admin
import Contracts
import Foundation
import RedisClient
import TestSupport
import Testing
@testable import WorkerRuntime

/// A key prefix of the test's own on the shared Redis, the admin on it, and ways to make the
/// streams, groups and dead letters the admin reports on.
struct AdminFixture {
    let keys: KeySpace
    let redis: RedisClient
    let admin: Admin

    static func make() async throws -> AdminFixture {
        let server = try await TestServers.redis()
        var configuration = try RedisConfiguration(url: server.url)
        configuration.poolSize = 1
        let redis = try await RedisClient.connect(configuration: configuration)
        let keys = KeySpace(prefix: TestServers.uniqueName("t"))
        return AdminFixture(keys: keys, redis: redis, admin: Admin(keys: keys, redis: redis))
    }

    /// Adds `count` envelopes of type `thing` to `stream`; returns their entry ids.
    @discardableResult
    func publish(_ count: Int, to stream: String) async throws -> [String] {
        var ids: [String] = []
        for index in 0..<count {
            ids.append(try await redis.xadd(stream, fields: Envelope(type: "thing", data: #"{"n":\#(index)}"#).fields))
        }
        return ids
    }

    /// Has `group` (created at the start of the stream if new) read its next `count` entries
    /// and acknowledge them, as a worker that handled them would; returns their ids.
    @discardableResult
    func handle(_ count: Int, of stream: String, by group: String) async throws -> [String] {
        try await redis.xgroupCreate(stream, group: group, startID: "0")
        let ids = try await redis.xreadgroup(group: group, consumer: "\(group)-1", stream: stream, count: count).map(\.id)
        try await redis.xack(stream, group: group, ids: ids)
        return ids
    }

    /// Writes a dead letter as a worker does: the entry is added, delivered to `group`, then
    /// moved by the runtime's own dead-letter script. Returns the letter's id.
    @discardableResult
    func deadLetter(
        _ fields: [(String, String)], stream: String, group: String = "workers", error: String = "it broke", deliveries: Int = 10
    ) async throws -> String {
        try await redis.xgroupCreate(stream, group: group, startID: "$")
        let entryID = try await redis.xadd(stream, fields: fields)
        let read = try await redis.xreadgroup(group: group, consumer: "c", stream: stream, count: 1)
        #expect(read.map(\.id) == [entryID])
        return try #require(try await DeadLetters.move(
            stream: stream, entryID: entryID, group: group, error: error, deliveries: deliveries, keys: keys, redis: redis))
    }

    /// Writes `count` dead letters of `stream` straight to its dead-letter stream, in the shape
    /// the runtime's script gives them, in one pipeline; returns their ids.
    @discardableResult
    func letters(_ count: Int, from stream: String) async throws -> [String] {
        let added = [
            (DeadLetterField.stream, stream), (DeadLetterField.entryID, "0-1"), (DeadLetterField.group, "workers"),
            (DeadLetterField.error, "it broke"), (DeadLetterField.deliveries, "10"), (DeadLetterField.at, Timestamp.format(Date())),
        ]
        var ids: [String] = []
        for chunk in stride(from: 0, to: count, by: 500) {
            let commands = (chunk..<min(chunk + 500, count)).map { _ in
                var command = RedisCommand("XADD", keys.dead(stream), "*")
                for (name, value) in Envelope(type: "thing", data: "{}").fields + added { command.append(contentsOf: [name, value]) }
                return command
            }
            for result in try await redis.pipeline(commands) { ids.append(try result.get().asString()) }
        }
        return ids
    }

    /// The code of the ``AdminError`` `body` throws; nil when it throws nothing or something else.
    func adminErrorCode(_ body: () async throws -> some Any) async -> AdminError.Code? {
        do {
            _ = try await body()
            return nil
        } catch let error as AdminError {
            return error.code
        } catch {
            return nil
        }
    }

    func close() async {
        await redis.shutdown()
    }
}

/// The report as a script reads it: its JSON decodes back to the same report.
func jsonRoundTrip<R: Report & Equatable>(_ report: R) throws -> Bool {
    try JSONDecoder().decode(R.self, from: Data(Output.json(report).utf8)) == report
}
