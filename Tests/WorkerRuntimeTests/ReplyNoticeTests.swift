import Contracts
import Foundation
import PostgresClient
import Synchronization
import Testing
@testable import WorkerRuntime

/// A command's reply also goes out by `NOTIFY` on its reply stream's channel, from inside the
/// transaction that handled it: Postgres delivers it only once that commit is durable, so a
/// reply by notification can never come before its effects are kept.
@Suite("reply notifications", .timeLimit(.minutes(3)))
struct ReplyNoticeTests {
    @Test("each reply is notified once on its own stream's channel, after the commit, and still appended to the stream")
    func notifiedOnItsChannel() async throws {
        let (harness, replies, channel, heard) = try await Self.setUp()
        var sent: [String] = []
        for i in 0..<5 {
            sent.append(try await harness.publish("k\(i)", replyTo: replies, replyNotify: channel).id.uuidString.lowercased())
        }
        // Another stream's channel, and a channel whose stream is not a reply stream: an entry
        // cannot steer a notification to a channel that is not its own reply stream's.
        try await harness.publish("other", replyTo: replies, replyNotify: ReplyNotice.channel(forReplyStream: harness.keys.replies("api-2")))
        let foreign = harness.keys.commands(.payments)
        try await harness.publish("foreign", replyTo: foreign, replyNotify: ReplyNotice.channel(forReplyStream: foreign))
        try await harness.publish("plain", replyTo: replies)

        try await Self.drain(harness.worker("a"), harness: harness) { heard.count >= 5 }
        // Anything sent on other channels has had time to arrive too.
        try await Task.sleep(for: .milliseconds(300))

        let notices = heard.notices
        #expect(notices.map(\.id) == sent)
        #expect(notices.allSatisfy { $0.status == 201 })
        #expect(notices.map(\.body) == (0..<5).map { #"{"key":"k\#($0)"}"# })
        #expect(heard.other == 0)
        #expect(try await harness.redis.xlen(replies) == 7)  // every reply by the stream too
        await heard.stop()
        await harness.close()
    }

    @Test("a batch that crashes before its commit notifies nothing; the survivor's commit notifies each reply once")
    func nothingBeforeTheCommit() async throws {
        let (harness, replies, channel, heard) = try await Self.setUp()
        var sent: Set<String> = []
        for i in 0..<10 {
            sent.insert(try await harness.publish("k\(i)", replyTo: replies, replyNotify: channel).id.uuidString.lowercased())
        }
        let crashing = harness.worker("a", ackWait: .milliseconds(500), hooks: .init(beforeCommit: { _ in throw Crash() }))
        await #expect(throws: Crash.self) { try await crashing.run() }
        try await Task.sleep(for: .milliseconds(300))
        #expect(heard.count == 0)
        #expect(try await harness.effects().isEmpty)

        try await Self.drain(harness.worker("b", ackWait: .milliseconds(500)), harness: harness) { heard.count >= 10 }
        #expect(Set(heard.notices.map(\.id)) == sent)
        #expect(heard.count == 10)
        #expect(try await harness.effects() == Dictionary(uniqueKeysWithValues: (0..<10).map { ("k\($0)", 1) }))
        await heard.stop()
        await harness.close()
    }

    @Test("a command redelivered after its commit is notified again with the reply it got the first time, and takes effect once")
    func redeliveredRepeatsTheReply() async throws {
        let (harness, replies, channel, heard) = try await Self.setUp()
        let sent = try await harness.publish("once", replyTo: replies, replyNotify: channel).id.uuidString.lowercased()
        // Committed, then dead before the reply and the acknowledgement reach Redis.
        let crashing = harness.worker("a", ackWait: .milliseconds(500), hooks: .init(afterCommit: { _ in throw Crash() }))
        await #expect(throws: Crash.self) { try await crashing.run() }
        #expect(try await harness.eventually { heard.count == 1 })
        #expect(try await harness.redis.xlen(replies) == 0)

        try await Self.drain(harness.worker("b", ackWait: .milliseconds(500)), harness: harness) { heard.count == 2 }
        let notices = heard.notices
        #expect(notices.map(\.id) == [sent, sent])
        #expect(notices[0].status == notices[1].status && notices[0].body == notices[1].body)
        #expect(try await harness.effects() == ["once": 1])
        await heard.stop()
        await harness.close()
    }

    @Test("in a batch with a message that fails and one sent twice, the failing one notifies nothing and the twice-sent one notifies its reply once")
    func failingAndRepeatedInOneBatch() async throws {
        let (harness, replies, channel, heard) = try await Self.setUp()
        let good = try await harness.publish("good", replyTo: replies, replyNotify: channel)
        try await harness.redis.xadd(harness.stream, fields: good.fields)  // the same message again
        let poison = try await harness.publish("bad", poison: true, replyTo: replies, replyNotify: channel)
        try await Self.drain(harness.worker("a", maxDeliveries: 2), harness: harness) { heard.count >= 1 }
        try await Task.sleep(for: .milliseconds(300))
        // Both copies get a stream reply, and the failing one its final 500 when given up on;
        // Postgres folds a transaction's identical notifications into one.
        #expect(try await harness.redis.xlen(replies) == 3)
        let id = good.id.uuidString.lowercased()
        #expect(heard.notices.map(\.id) == [id])
        #expect(heard.notices.allSatisfy { $0.status == 201 && $0.body == #"{"key":"good"}"# })
        #expect(!heard.notices.contains { $0.id == poison.id.uuidString.lowercased() })
        #expect(try await harness.effects() == ["good": 1])
        await heard.stop()
        await harness.close()
    }

    /// A harness, the reply stream `api-1`, its channel, and a listener on it (and on others).
    private static func setUp() async throws -> (Harness, String, String, Heard) {
        let harness = try await Harness.make()
        let replies = harness.keys.replies("api-1")
        let channel = ReplyNotice.channel(forReplyStream: replies)
        return (harness, replies, channel, try await Heard.listening(on: channel, harness: harness))
    }

    /// Runs `worker` until nothing is pending and `heard` holds, then stops it.
    private static func drain(_ worker: Worker, harness: Harness, until heard: @escaping () -> Bool) async throws {
        let running = Task { try await worker.run() }
        #expect(try await harness.eventually { try await harness.drained() })
        #expect(try await harness.eventually { heard() })
        worker.stop()
        try await running.value
    }
}

/// What a listener on one channel heard: the replies it could read, and anything else.
private final class Heard: Sendable {
    struct Notice: Sendable { let id: String; let status: Int; let body: String }
    private let state = Mutex<(notices: [Notice], other: Int)>(([], 0))
    private let listener: Mutex<PostgresListener?> = Mutex(nil)

    static func listening(on channel: String, harness: Harness) async throws -> Heard {
        let heard = Heard()
        let listener = try await PostgresListener.start(
            configuration: try PostgresConfiguration(harness.databaseURL, poolSize: 1),
            // The worker's channels and one of another stream, all heard here.
            channels: [channel, ReplyNotice.channel(forReplyStream: harness.keys.replies("api-2")),
                       ReplyNotice.channel(forReplyStream: harness.keys.commands(.payments))]
        ) { notification in
            heard.state.withLock { state in
                if notification.channel == channel, let (id, status, body) = ReplyNotice.parse(notification.payload) {
                    state.notices.append(Notice(id: id, status: status, body: body))
                } else {
                    state.other += 1
                }
            }
        }
        heard.listener.withLock { $0 = listener }
        return heard
    }

    var notices: [Notice] { state.withLock { $0.notices } }
    var count: Int { state.withLock { $0.notices.count } }
    var other: Int { state.withLock { $0.other } }

    func stop() async { await listener.withLock { $0 }?.stop() }
}
