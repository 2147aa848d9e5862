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
