import Contracts
import Foundation
import RedisClient
import Testing
@testable import WorkerRuntime

/// Redis is the boundary: an entry's `reply_to` is the sender's text, so a worker writes its
/// answer only to an API copy's reply stream, `<prefix>:replies:*`.
@Suite("foreign reply streams", .timeLimit(.minutes(2)))
struct ForeignReplyTests {
    @Test("a command naming a foreign reply_to takes effect once, gets no reply written there, and does not block the queue")
    func foreignReplyIgnored() async throws {
        let harness = try await Harness.make()
        let replies = harness.keys.replies("api-1")
        // Another service's command stream, a key outside the prefix, and a look-alike.
        let foreign = [harness.keys.commands(.payments), "victim-\(UUID().uuidString)", "\(harness.keys.prefix):repliesX:1"]
        for (i, target) in foreign.enumerated() { try await harness.publish("f\(i)", replyTo: target) }
        try await harness.publish("good", replyTo: replies)
        let worker = harness.worker("a", ackWait: .milliseconds(300), maxDeliveries: 2)
        let running = Task { try await worker.run() }
        #expect(try await harness.eventually { try await harness.redis.xlen(replies) == 1 })
        #expect(try await harness.eventually { try await harness.drained() })
        worker.stop()
        try await running.value

        #expect(try await harness.effects() == ["f0": 1, "f1": 1, "f2": 1, "good": 1])
        for target in foreign { #expect(try await harness.redis.exists(target) == 0, "\(target)") }
        #expect(try await harness.redis.xlen(harness.keys.dead(harness.stream)) == 0)
        await harness.close()
    }

    @Test("a command given up on with a foreign reply_to is dead-lettered without writing to it")
    func foreignReplyNotWrittenByDeadLetters() async throws {
        let harness = try await Harness.make()
        let target = harness.keys.commands(.payments)
        let poison = try await harness.publish("bad", poison: true, replyTo: target)
        let worker = harness.worker("a", ackWait: .milliseconds(300), maxDeliveries: 2)
        let running = Task { try await worker.run() }
        #expect(try await harness.eventually { try await harness.redis.xlen(harness.keys.dead(harness.stream)) == 1 })
        #expect(try await harness.eventually { try await harness.drained() })
        worker.stop()
        try await running.value

        #expect(try await harness.redis.exists(target) == 0)
        #expect(try await harness.redis.getString(harness.keys.commandFailure(poison.id.uuidString.lowercased())) == nil)
        await harness.close()
    }
}
