import RedisClient
import TestSupport
import Testing

@Suite("Stream commands", .timeLimit(.minutes(2)))
struct StreamCommandTests {
    @Test("XADD keeps field order, XRANGE/XREVRANGE/XLEN read them back")
    func addAndRange() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):s"
            let first = try await redis.xadd(key, fields: ["type": "ticket:created", "data": "{\"id\":1}", "a": "1"])
            let second = try await redis.xadd(key, fields: [("type", "ticket:updated"), ("data", "{}")])
            #expect(try await redis.xlen(key) == 2)

            let all = try await redis.xrange(key)
            #expect(all.map(\.id) == [first, second])
            #expect(all[0].fields.map(\.name) == ["type", "data", "a"])
            #expect(all[0]["data"] == "{\"id\":1}")
            #expect(all[0]["missing"] == nil)
            #expect(!all[0].isDeleted)

            #expect(try await redis.xrevrange(key, count: 1).map(\.id) == [second])
            #expect(try await redis.xrange(key, start: "(" + first).map(\.id) == [second])
            #expect(try await redis.xlen("\(prefix):none") == 0)
        }
    }

    @Test("XADD with an explicit id, NOMKSTREAM, and MAXLEN/MINID trimming")
    func addOptions() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):s"
            #expect(try await redis.xaddIfStreamExists(key, fields: [("f", "v")]) == nil)
            #expect(try await redis.xlen(key) == 0)
            for n in 1...5 { try await redis.xadd(key, id: "\(n)-0", fields: [("n", "\(n)")]) }
            #expect(try await redis.xaddIfStreamExists(key, id: "6-0", fields: [("n", "6")]) == "6-0")
            try await redis.xadd(key, id: "7-0", fields: [("n", "7")], trim: .maxLength(4))
            #expect(try await redis.xrange(key).map(\.id) == ["4-0", "5-0", "6-0", "7-0"])
            #expect(try await redis.xtrim(key, .minID("6-0")) == 2)
            #expect(try await redis.xtrim(key, .maxLength(1)) == 1)
            #expect(try await redis.xrange(key).map(\.id) == ["7-0"])
            // One of the two ids is there: XDEL counts only what it removed.
            #expect(try await redis.xdel(key, ids: ["7-0", "99-0"]) == 1)
            #expect(try await redis.xlen(key) == 0)
            // An id below the top is refused by the server: thrown, with the server's words.
            #expect(await redisErrorCode { try await redis.xadd(key, id: "1-0", fields: [("f", "v")]) } == .server)
        }
    }

    @Test("consumer groups: create (BUSYGROUP tolerated), read, ack, pending")
    func groupFlow() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):commands"
            #expect(try await redis.xgroupCreate(key, group: "tickets", startID: "0"))
            #expect(try await redis.xgroupCreate(key, group: "tickets", startID: "0") == false)

            let ids = [
                try await redis.xadd(key, fields: [("id", "a")]),
                try await redis.xadd(key, fields: [("id", "b")]),
                try await redis.xadd(key, fields: [("id", "c")]),
            ]
            let read = try await redis.xreadgroup(group: "tickets", consumer: "w1", streams: [(key, ">")], count: 2)
            #expect(read.count == 1 && read[0].stream == key)
            #expect(read[0].entries.map(\.id) == Array(ids.prefix(2)))
            let rest = try await redis.xreadgroup(group: "tickets", consumer: "w2", stream: key)
            #expect(rest.map(\.id) == [ids[2]])
            #expect(try await redis.xreadgroup(group: "tickets", consumer: "w1", stream: key, block: .milliseconds(20)).isEmpty)

            let summary = try await redis.xpendingSummary(key, group: "tickets")
            #expect(summary.count == 3)
            #expect(summary.smallestID == ids[0] && summary.greatestID == ids[2])
            #expect(Set(summary.consumers.map(\.name)) == ["w1", "w2"])
            #expect(summary.consumers.first { $0.name == "w1" }?.pending == 2)

            let pending = try await redis.xpending(key, group: "tickets", count: 10, consumer: "w1")
            #expect(pending.map(\.id) == Array(ids.prefix(2)))
            #expect(pending.allSatisfy { $0.consumer == "w1" && $0.deliveryCount == 1 && $0.idleMilliseconds >= 0 })
            #expect(try await redis.xpending(key, group: "tickets", count: 10, minIdle: .seconds(60)).isEmpty)

            #expect(try await redis.xack(key, group: "tickets", ids: ids + ["0-1"]) == 3)
            let after = try await redis.xpendingSummary(key, group: "tickets")
            #expect(after.count == 0 && after.smallestID == nil && after.consumers.isEmpty)
        }
    }

    @Test("XREADGROUP over several streams, and XREAD with BLOCK")
    func multiStreamReads() async throws {
        try await withSharedClient { redis, prefix in
            let a = "\(prefix):a", b = "\(prefix):b"
            try await redis.xgroupCreate(a, group: "g")
            try await redis.xgroupCreate(b, group: "g")
            try await redis.xadd(b, fields: [("k", "b1")])
            try await redis.xadd(a, fields: [("k", "a1")])
            let read = try await redis.xreadgroup(group: "g", consumer: "c", streams: [(a, ">"), (b, ">")])
            #expect(Set(read.map(\.stream)) == [a, b])
            #expect(read.flatMap(\.entries).compactMap { $0["k"] }.sorted() == ["a1", "b1"])

            let all = try await redis.xread(streams: [(a, "0"), (b, "0")], count: 10)
            #expect(all.flatMap(\.entries).count == 2)
            let started = ContinuousClock.now
            #expect(try await redis.xread(streams: [(a, "$")], block: .milliseconds(100)).isEmpty)
            #expect(ContinuousClock.now - started >= .milliseconds(90))
        }
    }

    @Test("a blocked XREADGROUP on a dedicated connection wakes when an entry arrives")
    func blockingReadWakes() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):s"
            try await redis.xgroupCreate(key, group: "g")
            let worker = try await redis.dedicatedConnection()
            let clientID = try await worker.send("CLIENT", "ID").asInt()
            async let read = worker.xreadgroup(group: "g", consumer: "c", stream: key, block: .seconds(30))
            try await awaitBlocked(redis, clientID: clientID)
            let id = try await redis.xadd(key, fields: [("hello", "world")])
            #expect(try await read.map(\.id) == [id])
            await worker.close()
        }
    }

    @Test("an entry deleted while pending comes back from XREADGROUP as deleted, not as a crash")
    func deletedPendingEntry() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):s"
            try await redis.xgroupCreate(key, group: "g")
            let gone = try await redis.xadd(key, fields: [("n", "1")])
            let kept = try await redis.xadd(key, fields: [("n", "2")])
            _ = try await redis.xreadgroup(group: "g", consumer: "c", stream: key)
            try await redis.xdel(key, ids: [gone])

            let history = try await redis.xreadgroup(group: "g", consumer: "c", stream: key, id: "0")
            #expect(history.map(\.id) == [gone, kept])
            #expect(history[0].isDeleted && history[0].fields.isEmpty)
            #expect(history[1]["n"] == "2")

            // XCLAIM of a deleted entry must not crash either, whatever this server version returns.
            let claimed = try await redis.xclaim(key, group: "g", consumer: "d", minIdle: .zero, ids: [gone, kept])
            #expect(claimed.contains { $0.id == kept && $0["n"] == "2" })
        }
    }

    @Test("XAUTOCLAIM takes over idle entries and reports deleted ones; XCLAIM and JUSTID")
    func claiming() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):s"
            try await redis.xgroupCreate(key, group: "g")
            let ids = [
                try await redis.xadd(key, fields: [("n", "1")]),
                try await redis.xadd(key, fields: [("n", "2")]),
                try await redis.xadd(key, fields: [("n", "3")]),
            ]
            _ = try await redis.xreadgroup(group: "g", consumer: "dead", stream: key)
            try await redis.xdel(key, ids: [ids[2]])
            // Claimable once every entry has been idle 20 ms, as the group's own clock says.
            let deadline = ContinuousClock.now + .seconds(20)
            while try await !redis.xpending(key, group: "g", count: 10).allSatisfy({ $0.idle > .milliseconds(20) }) {
                guard ContinuousClock.now < deadline else { throw TestSupportError("entries never went idle") }
                try await Task.sleep(for: .milliseconds(5))
            }

            let claim = try await redis.xautoclaim(key, group: "g", consumer: "alive", minIdle: .milliseconds(20), count: 10)
            #expect(claim.nextCursor == "0-0")
            #expect(claim.entries.map(\.id) == Array(ids.prefix(2)))
            #expect(claim.entries[1]["n"] == "2")
            #expect(claim.deletedIDs == [ids[2]])
            let pending = try await redis.xpending(key, group: "g", count: 10)
            #expect(pending.allSatisfy { $0.consumer == "alive" && $0.deliveryCount == 2 })

            let none = try await redis.xclaim(key, group: "g", consumer: "third", minIdle: .seconds(60), ids: ids)
            #expect(none.isEmpty)
            let justIDs = try await redis.xclaimJustID(key, group: "g", consumer: "third", minIdle: .zero, ids: [ids[0]], retryCount: 7)
            #expect(justIDs == [ids[0]])
            let forced = try await redis.xclaim(key, group: "g", consumer: "fourth", minIdle: .zero, ids: [ids[1]], idle: .seconds(5))
            #expect(forced.map(\.id) == [ids[1]])
            let after = try await redis.xpending(key, group: "g", count: 10)
            #expect(after.first { $0.id == ids[0] }?.deliveryCount == 7)
            #expect(after.first { $0.id == ids[1] }.map { $0.consumer == "fourth" && $0.idleMilliseconds >= 5000 } == true)
        }
    }

    @Test("XGROUP DESTROY, CREATECONSUMER, DELCONSUMER and SETID")
    func groupAdministration() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):s"
            try await redis.xgroupCreate(key, group: "g")
            #expect(try await redis.xgroupCreateConsumer(key, group: "g", consumer: "c1"))
            #expect(try await redis.xgroupCreateConsumer(key, group: "g", consumer: "c1") == false)
            let id = try await redis.xadd(key, fields: [("n", "1")])
            _ = try await redis.xreadgroup(group: "g", consumer: "c1", stream: key)
            #expect(try await redis.xgroupDeleteConsumer(key, group: "g", consumer: "c1") == 1)

            try await redis.xgroupSetID(key, group: "g", id: "0")
            #expect(try await redis.xreadgroup(group: "g", consumer: "c2", stream: key).map(\.id) == [id])

            #expect(try await redis.xgroupDestroy(key, group: "g"))
            #expect(try await redis.xgroupDestroy(key, group: "g") == false)
        }
    }

    @Test("XINFO STREAM, GROUPS and CONSUMERS decode into typed values")
    func info() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):s"
            let first = try await redis.xadd(key, fields: [("n", "1")])
            let last = try await redis.xadd(key, fields: [("n", "2")])
            try await redis.xgroupCreate(key, group: "g", startID: "0")
            _ = try await redis.xreadgroup(group: "g", consumer: "c", stream: key, count: 1)

            let stream = try await redis.xinfoStream(key)
            #expect(stream.length == 2 && stream.groups == 1)
            #expect(stream.lastGeneratedID == last)
            #expect(stream.firstEntry?.id == first && stream.lastEntry?["n"] == "2")
            #expect(stream.entriesAdded == 2)

            let groups = try await redis.xinfoGroups(key)
            #expect(groups.count == 1)
            #expect(groups[0].name == "g" && groups[0].consumers == 1 && groups[0].pending == 1)
            #expect(groups[0].lastDeliveredID == first)
            #expect(groups[0].entriesRead == 1 && groups[0].lag == 1)

            let consumers = try await redis.xinfoConsumers(key, group: "g")
            #expect(consumers.map(\.name) == ["c"] && consumers[0].pending == 1 && consumers[0].idleMilliseconds >= 0)

            let emptyKey = "\(prefix):empty"
            try await redis.xgroupCreate(emptyKey, group: "g")
            let empty = try await redis.xinfoStream(emptyKey)
            #expect(empty.length == 0 && empty.firstEntry == nil && empty.lastEntry == nil)
        }
    }

    @Test("stream ids parse, order as Redis orders them, and have a successor")
    func streamIDs() {
        #expect(StreamID("1700000000000-3") == StreamID(milliseconds: 1_700_000_000_000, sequence: 3))
        #expect(StreamID("5-2")! < StreamID("5-10")!)
        #expect(StreamID("4-99")! < StreamID("5-0")!)
        #expect(StreamID("5-2")?.successor == StreamID("5-3"))
        #expect(StreamID(milliseconds: 5, sequence: .max).successor == StreamID("6-0"))
        #expect(StreamID(milliseconds: .max, sequence: .max).successor == nil)
        for text in ["-", "+", "$", "5", "5-", "-3", "a-1", "1-2-3"] { #expect(StreamID(text) == nil) }
        #expect(StreamID.zero.description == "0-0")
    }

    @Test("XREADGROUP on a group that does not exist fails with NOGROUP")
    func noGroup() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):s"
            try await redis.xadd(key, fields: [("n", "1")])
            let code = await redisErrorCode { try await redis.xreadgroup(group: "nope", consumer: "c", stream: key) }
            #expect(code == .noGroup)
        }
    }
}
