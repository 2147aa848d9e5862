import RedisClient

/// Puts an order on the schedule and, when it is now the earliest entry, appends its due time
/// to the wake stream: a scheduler asleep until a later due time (its own copy's or another's)
/// then looks again. New orders expire after those already scheduled, so the wake is rare.
///
/// KEYS: the schedule, the wake stream. ARGV: the due time in milliseconds, the order id.
enum ScheduleScript {
    /// The wake stream keeps only this many entries; a reader that falls further behind has
    /// already looked at the schedule since.
    static let wakeLength = 16
    static let dueField = "due"

    static let script = RedisScript("""
        redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
        local first = redis.call('ZRANGE', KEYS[1], 0, 0)
        if first[1] == ARGV[2] then
            redis.call('XADD', KEYS[2], 'MAXLEN', \(wakeLength), '*', '\(dueField)', ARGV[1])
        end
        return 1
        """)
}
