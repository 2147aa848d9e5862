import Contracts
import RedisClient

/// The expiration schedule: how many orders are waiting to expire, how many are overdue (the
/// scheduler has not moved them yet), and the first few, by the Redis server's clock, which is
/// the one the scheduler goes by.
public struct ExpirationReport: Report, Hashable {
    public struct Entry: Codable, Sendable, Hashable {
        public var order: String
        public var dueAt: String
        /// Negative when overdue.
        public var dueInMilliseconds: Int64
    }

    public var key: String
    /// The server's time when the report was made.
    public var now: String
    public var count: Int
    /// Entries due at or before `now`: the expiration worker moves them as soon as it runs.
    public var overdue: Int
    public var next: Entry?
    /// The first entries, soonest due first.
    public var entries: [Entry]

    public var text: String {
        guard let next else { return "\(key): nothing scheduled" }
        var lines = ["\(key): \(count) scheduled, \(overdue) overdue (server time \(now))"]
        lines.append("next due \(next.dueAt), \(Self.relative(next.dueInMilliseconds)): order \(next.order)")
        var table = TextTable(("ORDER", .left), ("DUE AT", .left), ("DUE", .left))
        for entry in entries { table.add(entry.order, entry.dueAt, Self.relative(entry.dueInMilliseconds)) }
        lines.append("")
        lines.append(table.text)
        if count > entries.count { lines.append("(\(count - entries.count) more; --limit shows more)") }
        return lines.joined(separator: "\n")
    }

    private static func relative(_ milliseconds: Int64) -> String {
        milliseconds > 0 ? "in \(Format.duration(milliseconds: milliseconds))" : "overdue by \(Format.duration(milliseconds: -milliseconds))"
    }
}

extension Admin {
    /// The schedule's size, what is overdue, and its first `limit` entries.
    public func expirations(limit: Int = 10) async throws -> ExpirationReport {
        guard limit > 0 else { throw AdminError(.invalidInput, "the limit must be at least 1") }
        let key = keys.expirations
        if let type = try await redis.keyType(key), type != .sortedSet {
            throw AdminError(.invalidInput, "\(key) is a \(type.rawValue), not the sorted set the expiration worker keeps")
        }
        let now = try await redis.timeMicroseconds() / 1000
        let count = try await redis.zcard(key)
        let overdue = try await redis.zcount(key, min: .negativeInfinity, max: .inclusive(Double(now)))
        let first = try await redis.zrangeByScoreWithScores(key, min: .negativeInfinity, max: .positiveInfinity, limit: (0, limit))
        // Scores are due times in milliseconds since 1970 (see ExpirationSchedule).
        let entries = first.map { member in
            let due = Int64(member.score.rounded(.up))
            return ExpirationReport.Entry(order: member.member, dueAt: Format.time(milliseconds: due), dueInMilliseconds: due - now)
        }
        return ExpirationReport(
            key: key, now: Format.time(milliseconds: now), count: count, overdue: overdue, next: entries.first, entries: entries)
    }
}
