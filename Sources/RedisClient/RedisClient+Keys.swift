import Foundation

// Keys and server commands.

extension RedisCommandSender {
    /// `DEL key…`; returns how many keys existed.
    @discardableResult
    public func del(_ keys: [String]) async throws -> Int {
        if keys.isEmpty { return 0 }
        return try await send(RedisCommand("DEL", arguments: keys)).asInt()
    }

    /// `DEL key…`.
    @discardableResult
    public func del(_ keys: String...) async throws -> Int {
        try await del(keys)
    }

    /// `PEXPIRE key ms` (milliseconds, so sub-second times work); false when the key is missing.
    @discardableResult
    public func expire(_ key: String, after timeToLive: Duration) async throws -> Bool {
        try await send("PEXPIRE", key, timeToLive.redisMilliseconds).asInt() == 1
    }

    /// `EXISTS key…`; returns how many of the keys exist (a key named twice counts twice).
    public func exists(_ keys: String...) async throws -> Int {
        try await send(RedisCommand("EXISTS", arguments: keys)).asInt()
    }

    /// `TYPE key`: what the key holds, or nil when there is no such key.
    public func keyType(_ key: String) async throws -> RedisKeyType? {
        let name = try await send("TYPE", key).asString()
        if name == "none" { return nil }
        return RedisKeyType(rawValue: name)
    }

    /// `SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]`: one step of a scan. Start at
    /// cursor `0` and call again with the returned cursor until it is `0` again; a key may
    /// come back more than once.
    public func scan(
        cursor: String = "0", matching pattern: String? = nil, count: Int? = nil, type: RedisKeyType? = nil
    ) async throws -> (cursor: String, keys: [String]) {
        var command = RedisCommand("SCAN", cursor)
        if let pattern { command.append(contentsOf: ["MATCH", pattern]) }
        if let count { command.append(contentsOf: ["COUNT", count]) }
        if let type { command.append(contentsOf: ["TYPE", type.rawValue]) }
        let reply = try await send(command)
        let parts = try reply.asArray()
        guard parts.count == 2 else { throw RedisError.unexpected(reply, expected: "[cursor, keys]") }
        return (try parts[0].asString(), try parts[1].asArray().map { try $0.asString() })
    }

    /// Every key matching `pattern` (and holding `type`), by a whole `SCAN`, which never blocks
    /// the server the way `KEYS` does. Each key once, sorted.
    public func scanAll(matching pattern: String, type: RedisKeyType? = nil, count: Int = 1000) async throws -> [String] {
        var found = Set<String>()
        var cursor = "0"
        repeat {
            let step = try await scan(cursor: cursor, matching: pattern, count: count, type: type)
            found.formUnion(step.keys)
            cursor = step.cursor
        } while cursor != "0"
        return found.sorted()
    }

    /// `TIME`: the server's clock in microseconds since 1970.
    public func timeMicroseconds() async throws -> Int64 {
        let reply = try await send("TIME")
        let parts = try reply.asArray()
        guard parts.count == 2, let seconds = parts[0].int, let micros = parts[1].int else {
            throw RedisError.unexpected(reply, expected: "[seconds, microseconds]")
        }
        return Int64(seconds) * 1_000_000 + Int64(micros)
    }

    /// `TIME` as a `Date`: the one clock every worker agrees on.
    public func time() async throws -> Date {
        Date(timeIntervalSince1970: Double(try await timeMicroseconds()) / 1_000_000)
    }

    /// `PING [message]`: `PONG`, or the message echoed.
    @discardableResult
    public func ping(_ message: String? = nil) async throws -> String {
        let command = message.map { RedisCommand("PING", $0) } ?? RedisCommand("PING")
        return try await send(command).asString()
    }

    /// `INFO [section]` as `field: value` (section headers and blank lines dropped).
    public func info(_ section: String? = nil) async throws -> [String: String] {
        let command = section.map { RedisCommand("INFO", $0) } ?? RedisCommand("INFO")
        let text = try await send(command).asString()
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: { $0.isNewline }) {
            guard !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        return fields
    }
}

/// What a key holds, as `TYPE` names it and `SCAN … TYPE` takes it.
public struct RedisKeyType: RawRepresentable, Sendable, Hashable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let string = RedisKeyType(rawValue: "string")
    public static let list = RedisKeyType(rawValue: "list")
    public static let set = RedisKeyType(rawValue: "set")
    public static let sortedSet = RedisKeyType(rawValue: "zset")
    public static let hash = RedisKeyType(rawValue: "hash")
    public static let stream = RedisKeyType(rawValue: "stream")
}
