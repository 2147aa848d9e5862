import Contracts
import RedisClient

/// The one Lua script that turns due schedule entries into expiration:complete events. Redis
/// runs a script atomically, so reading the due members, `XADD`ing each and `ZREM`ing them is
/// one step: two schedulers never publish the same expiry, and a crash never loses one (it
/// either happened whole or not at all).
///
/// Due means score ≤ the Redis server's clock, so every scheduler agrees on "now". It returns
/// `{moved, now, next}` in milliseconds since 1970, `next` being the earliest remaining due
/// time or -1 when the schedule is empty, so the caller knows how long to sleep.
///
/// KEYS: the schedule, the expiration:complete stream.
/// ARGV: the most members to move, the event type, occurred_at, and the payload's JSON
/// before and after the order id.
enum MoveDueScript {
    static let script = RedisScript("""
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
        for _, order in ipairs(due) do
            redis.call('XADD', KEYS[2], '*',
                '\(EnvelopeField.id)', order,
                '\(EnvelopeField.type)', ARGV[2],
                '\(EnvelopeField.data)', ARGV[4] .. order .. ARGV[5],
                '\(EnvelopeField.occurredAt)', ARGV[3],
                '\(EnvelopeField.correlationID)', order)
        end
        if #due > 0 then
            redis.call('ZREM', KEYS[1], unpack(due))
        end
        local following = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        local nextDue = -1
        if following[2] then
            nextDue = math.ceil(tonumber(following[2]))
        end
        return {#due, now, nextDue}
        """)

    /// The event's JSON around the order id, taken from the contract's own encoding so the
    /// script writes exactly what `ExpirationComplete` decodes.
    static let payload: (before: String, after: String) = {
        let marker = "ORDER-ID-MARKER"
        let json = MessageCoding.encode(ExpirationComplete(orderId: marker))
        guard let range = json.range(of: marker) else { preconditionFailure("the marker is not in \(json)") }
        return (String(json[..<range.lowerBound]), String(json[range.upperBound...]))
    }()
}
