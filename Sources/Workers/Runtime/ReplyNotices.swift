import Contracts
import PostgresClient

/// The replies of a batch that also go out with `NOTIFY` (``ReplyNotice``): one statement,
/// pipelined before the commit, so the fast path costs no round trip. Postgres delivers them
/// only once the commit is durable, and drops them if the transaction rolls back.
///
/// A command gets one only when its `reply_notify` is the channel of its own `reply_to` and
/// that is a reply stream of the fleet; a reply too long for a notification goes by the stream
/// alone.
struct ReplyNotices {
    private let keys: KeySpace
    private var channels: [String] = []
    private var payloads: [String] = []

    init(keys: KeySpace) { self.keys = keys }

    var isEmpty: Bool { channels.isEmpty }

    mutating func append(_ message: IncomingMessage, _ reply: Reply) {
        guard let channel = message.envelope.replyNotify, let stream = message.envelope.replyTo,
              keys.isReplies(stream), channel == ReplyNotice.channel(forReplyStream: stream),
              let payload = ReplyNotice.payload(
                  id: message.envelope.id.uuidString.lowercased(), status: reply.status, body: reply.body)
        else { return }
        channels.append(channel)
        payloads.append(payload)
    }

    var statement: PostgresQuery {
        "SELECT pg_notify(c, p) FROM unnest(\(channels), \(payloads)) AS t(c, p)"
    }
}
