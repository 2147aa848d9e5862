import Contracts
import PostgresClient

/// The replies of a batch that also go out with `NOTIFY` (``ReplyNotice``): one statement,
/// pipelined before the commit, so the fast path costs no round trip. Postgres delivers them
/// only once the commit is durable, and drops them if the transaction rolls back.
///
/// A command gets one only when its `reply_notify` is the channel of the reply stream its reply
/// is written to: its `reply_to`, which the batch writes to only when it is a reply stream of
/// the fleet. A reply too long for a notification goes by the stream alone.
struct ReplyNotices {
    private var channels: [String] = []
    private var payloads: [String] = []

    var isEmpty: Bool { channels.isEmpty }

    mutating func append(_ message: IncomingMessage, _ reply: Reply, replyStream stream: String) {
        guard let channel = message.envelope.replyNotify, channel == ReplyNotice.channel(forReplyStream: stream),
              let payload = ReplyNotice.payload(
                  id: message.envelope.id.lowercasedString, status: reply.status, body: reply.body)
        else { return }
        channels.append(channel)
        payloads.append(payload)
    }

    var statement: PostgresQuery {
        "SELECT pg_notify(c, p) FROM unnest(\(channels), \(payloads)) AS t(c, p)"
    }
}
