import Contracts
import Foundation
import RedisClient

/// The schedule of order expiries: a sorted set `<prefix>:expirations` of order ids scored by
/// due time in milliseconds since 1970.
public struct ExpirationSchedule: Sendable {
    public let keys: KeySpace
    public let redis: RedisClient

    public init(keys: KeySpace, redis: RedisClient) {
        self.keys = keys
        self.redis = redis
    }

    /// What one step of the scheduler did, on the Redis server's clock.
    public struct Step: Sendable, Hashable {
        /// Entries published and removed.
        public var moved: Int
        /// The server's time, in milliseconds since 1970.
        public var nowMilliseconds: Int64
        /// The earliest due time left in the schedule, nil when it is empty.
        public var nextDueMilliseconds: Int64?
    }

    /// Schedules `order` (a lowercase UUID) to expire at `due`; scheduling it again moves it.
    /// Returns its score. Rounded up, so it never comes due before `due`.
    ///
    /// When the entry becomes the schedule's earliest, every scheduler is woken through
    /// ``KeySpace/expirationsWake`` (any later entry is seen when the earlier one comes due).
    @discardableResult
    public func add(order: String, due: Date) async throws -> Int64 {
        let score = Self.score(due)
        _ = try await redis.evalScript(ScheduleScript.script, keys: [keys.expirations, keys.expirationsWake], args: [score, order])
        return score
    }

    /// ``add(order:due:)`` as a command for a pipeline. `EVAL` with the script's text rather
    /// than `EVALSHA`: a Redis that restarted and forgot its scripts still runs it.
    static func addCommand(order: String, due: Date, keys: KeySpace) -> RedisCommand {
        RedisCommand("EVAL", ScheduleScript.script.source, 2, keys.expirations, keys.expirationsWake, score(due), order)
    }

    /// Milliseconds since 1970, rounded up, so an entry never comes due before `due`.
    static func score(_ due: Date) -> Int64 {
        Int64((due.timeIntervalSince1970 * 1000).rounded(.up))
    }

    /// Takes `order` off the schedule, if it is there.
    public func remove(order: String) async throws {
        _ = try await redis.send(Self.removeCommand(order: order, keys: keys))
    }

    /// ``remove(order:)`` as a command for a pipeline.
    static func removeCommand(order: String, keys: KeySpace) -> RedisCommand {
        RedisCommand("ZREM", keys.expirations, order)
    }

    /// Publishes up to `limit` due entries to `events:expiration:complete` and removes them, in
    /// one atomic script.
    public func moveDue(limit: Int, occurredAt: Date = Date()) async throws -> Step {
        let reply = try await redis.evalScript(
            MoveDueScript.script,
            keys: [keys.expirations, keys.events(ExpirationComplete.name)],
            args: [limit, ExpirationComplete.type, Timestamp.format(occurredAt), MoveDueScript.payload.before, MoveDueScript.payload.after])
        let values = try reply.asArray()
        guard values.count == 3, let moved = values[0].int, let now = values[1].int, let next = values[2].int else {
            throw UnexpectedScriptReply(reply: reply)
        }
        return Step(moved: moved, nowMilliseconds: Int64(now), nextDueMilliseconds: next < 0 ? nil : Int64(next))
    }
}

/// The script answered something other than `{moved, now, next}`: another script under the
/// same SHA, or a server that is not Redis.
public struct UnexpectedScriptReply: Error, CustomStringConvertible, Sendable {
    public let reply: RedisReply
    public var description: String { "the expiration script answered \(reply), not {moved, now, next}" }
}
