/// The fast path of a reply. Besides appending a command's reply to the API instance's reply
/// stream (after the commit, with the rest of the settlement), the worker sends it with
/// Postgres's `NOTIFY` inside the transaction that handled the command. Postgres delivers a
/// notification only after that transaction has committed durably, and the API instance
/// `LISTEN`s on its channel, so the reply reaches the waiting request without waiting for the
/// settlement's round trip to Redis and the fsync Redis makes before it answers a reader.
///
/// The stream stays the path that cannot be lost: a notification sent while the listener was
/// away is gone, and one too long for Postgres is never sent. Whichever copy comes first
/// answers; the waiter ignores the second.
public enum ReplyNotice {
    /// Postgres refuses a payload of 8,000 bytes or more.
    public static let maxPayloadBytes = 7_999

    /// The channel of reply stream `stream`: `replies_` and a 64-bit FNV-1a hash of the
    /// stream's name, in hex, since a channel is an identifier of at most 63 bytes and a
    /// stream's name (prefix and instance) can be longer. A worker notifies only on the
    /// channel of the command's own `reply_to`, so an entry cannot steer notifications elsewhere.
    public static func channel(forReplyStream stream: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in stream.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return "replies_" + Hex.lowercase(withUnsafeBytes(of: hash.bigEndian) { Array($0) })
    }

    /// `<command id> <status> <body>`, or nil when Postgres would refuse it as too long.
    public static func payload(id: String, status: Int, body: String) -> String? {
        let payload = "\(id) \(status) \(body)"
        return payload.utf8.count <= maxPayloadBytes ? payload : nil
    }

    /// The command id, status and body of a payload made by ``payload(id:status:body:)``.
    public static func parse(_ payload: String) -> (id: String, status: Int, body: String)? {
        let parts = payload.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let status = Int(parts[1]) else { return nil }
        return (String(parts[0]), status, String(parts[2]))
    }
}
