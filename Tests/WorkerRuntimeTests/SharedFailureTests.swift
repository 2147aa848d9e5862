import Contracts
import Foundation
import Synchronization
import Testing
@testable import WorkerRuntime

/// A statement of the batch as a whole fails (`BatchFailure.shared`): most often the inbox
/// insert, because another consumer committed one of the batch's messages first.
@Suite("a batch failing as a whole", .timeLimit(.minutes(2)))
struct SharedFailureTests {
    @Test("another consumer committing one of the batch's messages first fails its inbox insert; the batch is retried at once, that message is a duplicate with one effect, the rest commit in their first delivery")
    func inboxConflictRetriesAtOnce() async throws {
        let harness = try await Harness.make()
        let replies = harness.keys.replies("api-1")
        var published: [Envelope] = []
        for i in 0..<20 { published.append(try await harness.publish("k\(i)", replyTo: replies)) }
        let envelopes = published
        let attempts = Counter()
        let deliveries = Mutex(Set<Int>())
        let worker = harness.worker("a", hooks: .init(beforeCommit: { messages in
            deliveries.withLock { $0.formUnion(messages.map(\.deliveryCount)) }
            if attempts.next() == 1 { try await harness.commitElsewhere(envelopes[7], key: "k7") }
        }))
        let running = Task { try await worker.run() }
        #expect(try await harness.eventually { try await harness.effects().count == 20 })
        #expect(try await harness.eventually { try await harness.drained() })
        #expect(try await harness.effects() == Dictionary(uniqueKeysWithValues: (0..<20).map { ("k\($0)", 1) }))
        #expect(attempts.current == 2, "the batch was not retried once in place")
        #expect(deliveries.withLock { $0 } == [1], "a message needed a second delivery")
        #expect(try await harness.redis.send("HLEN", harness.keys.failures("counter")).asInt() == 0)
        #expect(try await harness.redis.xlen(harness.keys.dead(harness.stream)) == 0)
        // Every sender hears once; the raced message's answer is the one stored with it.
        #expect(try await harness.eventually { try await harness.redis.xlen(replies) == 20 })
        let answers = try await harness.redis.xrange(replies)
        #expect(Set(answers.compactMap { $0["id"] }) == Set(envelopes.map { $0.id.uuidString.lowercased() }))
        #expect(answers.first { $0["id"] == envelopes[7].id.uuidString.lowercased() }?["body"] == #"{"key":"elsewhere"}"#)
        worker.stop()
        try await running.value
        await harness.close()
    }

    @Test("a batch that keeps failing as a whole is retried in place three times, then its messages wait for their next delivery")
    func sharedRetriesAreBounded() async throws {
        let harness = try await Harness.make()
        var published: [Envelope] = []
        for i in 0..<20 { published.append(try await harness.publish("k\(i)")) }
        let envelopes = published
        let firstDeliveryAttempts = Counter()
        let worker = harness.worker("a", hooks: .init(beforeCommit: { messages in
            guard messages.allSatisfy({ $0.deliveryCount == 1 }) else { return }
            // Each attempt in the first delivery meets a message committed elsewhere meanwhile.
            let attempt = firstDeliveryAttempts.next()
            if attempt <= 5 { try await harness.commitElsewhere(envelopes[attempt - 1], key: "k\(attempt - 1)") }
        }))
        let running = Task { try await worker.run() }
        #expect(try await harness.eventually { try await harness.effects().count == 20 })
        #expect(try await harness.eventually { try await harness.drained() })
        #expect(firstDeliveryAttempts.current == 4)
        #expect(try await harness.effects() == Dictionary(uniqueKeysWithValues: (0..<20).map { ("k\($0)", 1) }))
        worker.stop()
        try await running.value
        await harness.close()
    }
}

extension Harness {
    /// Commits `envelope` as another consumer of the group would have: its effect and its inbox row.
    func commitElsewhere(_ envelope: Envelope, key: String) async throws {
        try await database.withTransaction { tx in
            try await tx.query("INSERT INTO effects (message_id, key) VALUES (\(envelope.id), \(key))")
            try await tx.query("""
                INSERT INTO messaging.inbox (consumer_group, message_id, stream, entry_id, reply_status, reply_body)
                VALUES ('counter', \(envelope.id), \(stream), '0-1', \(Int32(201)), \(#"{"key":"elsewhere"}"#))
                """)
        }
    }
}
