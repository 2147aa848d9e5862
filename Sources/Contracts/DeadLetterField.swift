/// The fields a dead letter adds to the entry it copies, so `redis-cli XRANGE` on a dead-letter
/// stream shows where the entry came from and why it was given up on. The admin tool strips
/// exactly these when it replays the entry.
public enum DeadLetterField {
    /// The stream the entry was read from; a replay adds it back there.
    public static let stream = "dead_stream"
    /// The entry's id in that stream.
    public static let entryID = "dead_entry_id"
    /// The consumer group that gave up on it.
    public static let group = "dead_group"
    /// The last error a handler threw.
    public static let error = "dead_error"
    /// How many times it had been delivered.
    public static let deliveries = "dead_deliveries"
    /// When it was moved, ISO 8601 UTC.
    public static let at = "dead_at"

    public static let all = [stream, entryID, group, error, deliveries, at]
}
