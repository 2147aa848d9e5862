// Stream commands: the queue under the worker fleet.

extension RedisCommandSender {
    /// `XADD key [MAXLEN|MINID …] id field value …`; returns the new entry's id.
    /// `id` is `*` for a server-generated id.
    @discardableResult
    public func xadd(_ key: String, id: String = "*", fields: [(String, String)], trim: StreamTrim? = nil) async throws -> String {
        let reply = try await send(Self.xaddCommand(key, id: id, fields: fields, trim: trim, noMakeStream: false))
        return try reply.asString()
    }

    /// `XADD` with fields written as a literal: `xadd(key, fields: ["type": "x", "data": json])`.
    @discardableResult
    public func xadd(_ key: String, id: String = "*", fields: KeyValuePairs<String, String>, trim: StreamTrim? = nil) async throws -> String {
        try await xadd(key, id: id, fields: fields.map { ($0.key, $0.value) }, trim: trim)
    }

    /// `XADD key NOMKSTREAM …`: adds only to an existing stream; nil when there is none.
    @discardableResult
    public func xaddIfStreamExists(_ key: String, id: String = "*", fields: [(String, String)], trim: StreamTrim? = nil) async throws -> String? {
        let reply = try await send(Self.xaddCommand(key, id: id, fields: fields, trim: trim, noMakeStream: true))
        return try reply.asOptionalString()
    }

    private static func xaddCommand(_ key: String, id: String, fields: [(String, String)], trim: StreamTrim?, noMakeStream: Bool) -> RedisCommand {
        var command = RedisCommand("XADD", key)
        if noMakeStream { command.append("NOMKSTREAM") }
        if let trim { command.append(contentsOf: trim.arguments) }
        command.append(id)
        for (name, value) in fields {
            command.append(name)
            command.append(value)
        }
        return command
    }

    /// `XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS keys… ids…`.
    ///
    /// Id `>` reads new entries; any other id re-reads this consumer's pending entries from
    /// there. Returns no streams when the block times out. `block: .zero` waits forever, so
    /// use it only on a ``RedisConnection`` you can cancel or close.
    public func xreadgroup(
        group: String, consumer: String, streams: [(key: String, id: String)],
        count: Int? = nil, block: Duration? = nil, noAck: Bool = false
    ) async throws -> [StreamMessages] {
        let command = RedisCommand.xreadgroup(group: group, consumer: consumer, streams: streams, count: count, block: block, noAck: noAck)
        return try StreamMessages.list(try await send(command))
    }

    /// `XREADGROUP` on one stream; returns its entries (none when the block times out).
    public func xreadgroup(
        group: String, consumer: String, stream: String, id: String = ">",
        count: Int? = nil, block: Duration? = nil, noAck: Bool = false
    ) async throws -> [StreamEntry] {
        let read = try await xreadgroup(group: group, consumer: consumer, streams: [(stream, id)], count: count, block: block, noAck: noAck)
        return read.first?.entries ?? []
    }

    /// `XREAD [COUNT n] [BLOCK ms] STREAMS keys… ids…`; id `$` means entries after now.
    public func xread(streams: [(key: String, id: String)], count: Int? = nil, block: Duration? = nil) async throws -> [StreamMessages] {
        var command = RedisCommand("XREAD")
        RedisCommand.appendReadOptions(&command, count: count, block: block)
        RedisCommand.appendStreams(&command, streams)
        return try StreamMessages.list(try await send(command))
    }

    /// `XACK key group id…`; returns how many were pending and are now acknowledged.
    @discardableResult
    public func xack(_ key: String, group: String, ids: [String]) async throws -> Int {
        if ids.isEmpty { return 0 }
        return try await send(RedisCommand("XACK", arguments: [key, group] + ids)).asInt()
    }

    /// `XPENDING key group`: the group's pending count, id range and per-consumer counts.
    public func xpendingSummary(_ key: String, group: String) async throws -> StreamPendingSummary {
        let reply = try await send("XPENDING", key, group)
        let parts = try reply.asArray()
        guard parts.count == 4 else { throw RedisError.unexpected(reply, expected: "the 4-part XPENDING summary") }
        let consumers = try (try parts[3].asOptionalArray() ?? []).map { element in
            guard let pair = element.array, pair.count == 2 else {
                throw RedisError.unexpected(element, expected: "[consumer, count]")
            }
            return StreamPendingSummary.Consumer(name: try pair[0].asString(), pending: try pair[1].asInt())
        }
        return StreamPendingSummary(
            count: try parts[0].asInt(),
            smallestID: try parts[1].asOptionalString(),
            greatestID: try parts[2].asOptionalString(),
            consumers: consumers
        )
    }

    /// `XPENDING key group [IDLE ms] start end count [consumer]`: pending entries with
    /// their consumer, idle time and delivery count.
    public func xpending(
        _ key: String, group: String, start: String = "-", end: String = "+", count: Int,
        consumer: String? = nil, minIdle: Duration? = nil
    ) async throws -> [StreamPendingEntry] {
        var command = RedisCommand("XPENDING", key, group)
        if let minIdle { command.append(contentsOf: ["IDLE", minIdle.redisMilliseconds]) }
        command.append(contentsOf: [start, end, count])
        if let consumer { command.append(consumer) }
        return try (try await send(command)).asArray().map { element in
            guard let parts = element.array, parts.count == 4 else {
                throw RedisError.unexpected(element, expected: "[id, consumer, idle, deliveries]")
            }
            return StreamPendingEntry(
                id: try parts[0].asString(),
                consumer: try parts[1].asString(),
                idleMilliseconds: try parts[2].asInt(),
                deliveryCount: try parts[3].asInt()
            )
        }
    }

    /// `XAUTOCLAIM key group consumer min-idle start [COUNT n]`: takes over entries idle
    /// at least `minIdle`. Call again from `nextCursor` until it is `0-0`.
    public func xautoclaim(
        _ key: String, group: String, consumer: String, minIdle: Duration,
        start: String = "0-0", count: Int? = nil
    ) async throws -> StreamAutoClaim {
        var command = RedisCommand("XAUTOCLAIM", key, group, consumer, minIdle.redisMilliseconds, start)
        if let count { command.append(contentsOf: ["COUNT", count]) }
        let reply = try await send(command)
        let parts = try reply.asArray()
        // Redis 6.2 answers [cursor, entries]; 7.0 adds the deleted ids.
        guard parts.count == 2 || parts.count == 3 else {
            throw RedisError.unexpected(reply, expected: "[cursor, entries, deleted ids]")
        }
        return StreamAutoClaim(
            nextCursor: try parts[0].asString(),
            entries: try StreamEntry.list(parts[1]),
            deletedIDs: parts.count == 3 ? try parts[2].asArray().map { try $0.asString() } : []
        )
    }

    /// `XCLAIM key group consumer min-idle id… [IDLE ms] [RETRYCOUNT n] [FORCE]`: takes
    /// over the given entries if idle at least `minIdle`; returns the claimed entries.
    public func xclaim(
        _ key: String, group: String, consumer: String, minIdle: Duration, ids: [String],
        idle: Duration? = nil, retryCount: Int? = nil, force: Bool = false
    ) async throws -> [StreamEntry] {
        let command = Self.xclaimCommand(key, group, consumer, minIdle, ids, idle, retryCount, force, justID: false)
        return try StreamEntry.list(try await send(command))
    }

    /// `XCLAIM … JUSTID`: claims like ``xclaim(_:group:consumer:minIdle:ids:idle:retryCount:force:)``
    /// without bumping the delivery count, and returns only the ids.
    public func xclaimJustID(
        _ key: String, group: String, consumer: String, minIdle: Duration, ids: [String],
        idle: Duration? = nil, retryCount: Int? = nil, force: Bool = false
    ) async throws -> [String] {
        let command = Self.xclaimCommand(key, group, consumer, minIdle, ids, idle, retryCount, force, justID: true)
        return try (try await send(command)).asArray().map { try $0.asString() }
    }

    private static func xclaimCommand(
        _ key: String, _ group: String, _ consumer: String, _ minIdle: Duration, _ ids: [String],
        _ idle: Duration?, _ retryCount: Int?, _ force: Bool, justID: Bool
    ) -> RedisCommand {
        var command = RedisCommand("XCLAIM", arguments: [key, group, consumer, minIdle.redisMilliseconds] + ids)
        if let idle { command.append(contentsOf: ["IDLE", idle.redisMilliseconds]) }
        if let retryCount { command.append(contentsOf: ["RETRYCOUNT", retryCount]) }
        if force { command.append("FORCE") }
        if justID { command.append("JUSTID") }
        return command
    }

    /// `XGROUP CREATE key group startID [MKSTREAM]`. Returns false when the group already
    /// existed (`BUSYGROUP`), so every worker copy can call it at start-up.
    @discardableResult
    public func xgroupCreate(_ key: String, group: String, startID: String = "$", makeStream: Bool = true) async throws -> Bool {
        var command = RedisCommand("XGROUP", "CREATE", key, group, startID)
        if makeStream { command.append("MKSTREAM") }
        do {
            _ = try await send(command)
            return true
        } catch let error as RedisError where error.code == .busyGroup {
            return false
        }
    }

    /// `XGROUP DESTROY key group`; false when there was no such group.
    @discardableResult
    public func xgroupDestroy(_ key: String, group: String) async throws -> Bool {
        try await send("XGROUP", "DESTROY", key, group).asInt() == 1
    }

    /// `XGROUP CREATECONSUMER key group consumer`; false when it already existed.
    @discardableResult
    public func xgroupCreateConsumer(_ key: String, group: String, consumer: String) async throws -> Bool {
        try await send("XGROUP", "CREATECONSUMER", key, group, consumer).asInt() == 1
    }

    /// `XGROUP DELCONSUMER key group consumer`; returns how many entries it still had pending.
    @discardableResult
    public func xgroupDeleteConsumer(_ key: String, group: String, consumer: String) async throws -> Int {
        try await send("XGROUP", "DELCONSUMER", key, group, consumer).asInt()
    }

    /// `XGROUP SETID key group id`: moves the group's last-delivered id.
    public func xgroupSetID(_ key: String, group: String, id: String) async throws {
        _ = try await send("XGROUP", "SETID", key, group, id)
    }

    /// `XINFO STREAM key`.
    public func xinfoStream(_ key: String) async throws -> StreamInfo {
        let map = try ReplyMap(try await send("XINFO", "STREAM", key))
        func entry(_ name: String) throws -> StreamEntry? {
            guard let reply = map[name], !reply.isNull else { return nil }
            return try StreamEntry(reply: reply)
        }
        return StreamInfo(
            length: try map.int("length"),
            groups: try map.int("groups"),
            lastGeneratedID: try map.string("last-generated-id"),
            maxDeletedEntryID: map["max-deleted-entry-id"]?.string,
            entriesAdded: map.optionalInt("entries-added"),
            firstEntry: try entry("first-entry"),
            lastEntry: try entry("last-entry")
        )
    }

    /// `XINFO GROUPS key`.
    public func xinfoGroups(_ key: String) async throws -> [StreamGroupInfo] {
        try (try await send("XINFO", "GROUPS", key)).asArray().map { element in
            let map = try ReplyMap(element)
            return StreamGroupInfo(
                name: try map.string("name"),
                consumers: try map.int("consumers"),
                pending: try map.int("pending"),
                lastDeliveredID: try map.string("last-delivered-id"),
                entriesRead: map.optionalInt("entries-read"),
                lag: map.optionalInt("lag")
            )
        }
    }

    /// `XINFO CONSUMERS key group`.
    public func xinfoConsumers(_ key: String, group: String) async throws -> [StreamConsumerInfo] {
        try (try await send("XINFO", "CONSUMERS", key, group)).asArray().map { element in
            let map = try ReplyMap(element)
            return StreamConsumerInfo(
                name: try map.string("name"),
                pending: try map.int("pending"),
                idleMilliseconds: try map.int("idle"),
                inactiveMilliseconds: map.optionalInt("inactive")
            )
        }
    }

    /// `XRANGE key start end [COUNT n]`, oldest first. `-` and `+` are the ends;
    /// `(id` excludes `id`.
    public func xrange(_ key: String, start: String = "-", end: String = "+", count: Int? = nil) async throws -> [StreamEntry] {
        var command = RedisCommand("XRANGE", key, start, end)
        if let count { command.append(contentsOf: ["COUNT", count]) }
        return try StreamEntry.list(try await send(command))
    }

    /// `XREVRANGE key end start [COUNT n]`, newest first.
    public func xrevrange(_ key: String, end: String = "+", start: String = "-", count: Int? = nil) async throws -> [StreamEntry] {
        var command = RedisCommand("XREVRANGE", key, end, start)
        if let count { command.append(contentsOf: ["COUNT", count]) }
        return try StreamEntry.list(try await send(command))
    }

    /// `XLEN key`: 0 for a missing stream.
    public func xlen(_ key: String) async throws -> Int {
        try await send("XLEN", key).asInt()
    }

    /// `XTRIM key MAXLEN|MINID …`; returns how many entries were removed.
    @discardableResult
    public func xtrim(_ key: String, _ trim: StreamTrim) async throws -> Int {
        try await send(RedisCommand("XTRIM", arguments: [key] + trim.arguments)).asInt()
    }

    /// `XDEL key id…`; returns how many entries were deleted.
    @discardableResult
    public func xdel(_ key: String, ids: [String]) async throws -> Int {
        if ids.isEmpty { return 0 }
        return try await send(RedisCommand("XDEL", arguments: [key] + ids)).asInt()
    }
}

extension RedisCommand {
    /// `XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS keys… ids…`, to send in a
    /// pipeline with other commands; parse its reply with ``StreamMessages/list(_:)``.
    public static func xreadgroup(
        group: String, consumer: String, streams: [(key: String, id: String)],
        count: Int? = nil, block: Duration? = nil, noAck: Bool = false
    ) -> RedisCommand {
        var command = RedisCommand("XREADGROUP", "GROUP", group, consumer)
        appendReadOptions(&command, count: count, block: block)
        if noAck { command.append("NOACK") }
        appendStreams(&command, streams)
        return command
    }

    fileprivate static func appendReadOptions(_ command: inout RedisCommand, count: Int?, block: Duration?) {
        if let count { command.append(contentsOf: ["COUNT", count]) }
        if let block {
            command.append(contentsOf: ["BLOCK", block.redisMilliseconds])
            command.blockingTime = block
        }
    }

    fileprivate static func appendStreams(_ command: inout RedisCommand, _ streams: [(key: String, id: String)]) {
        command.append("STREAMS")
        for stream in streams { command.append(stream.key) }
        for stream in streams { command.append(stream.id) }
    }
}
