import Contracts
import Foundation
import Synchronization
import TestSupport
import Testing
@testable import WorkerRuntime

/// A Postgres of the test's own, restarted under a running worker; the shared one is never touched.
@Suite("Postgres restarting under a worker", .timeLimit(.minutes(3)))
struct PostgresRestartTests {
    @Test("Postgres restarted in the middle of a batch: once it is back the batch commits exactly once, with every reply and event, nothing lost or doubled")
    func restartMidBatch() async throws {
        let server = try await PostgresServer.start()
        do {
            let harness = try await Harness.make(postgres: server)
            let replies = harness.keys.replies("api-1")
            var published: Set<String> = []
            for i in 0..<200 { published.insert(try await harness.publish("k\(i)", replyTo: replies).id.uuidString.lowercased()) }
            let attempts = Counter()
            let deliveries = Mutex(Set<Int>())
            // Between the batch's handlers and its commit, Postgres goes away and comes back:
            // the transaction dies with its session, and the worker must not take it for done.
            let worker = harness.worker("a", maxDeliveries: 1_000, hooks: .init(beforeCommit: { messages in
                deliveries.withLock { $0.formUnion(messages.map(\.deliveryCount)) }
                if attempts.next() == 1 { try await server.restart() }
            }))
            let running = Task { try await worker.run() }
            // The test's own pooled sessions were cut too: a query may fail once while they reconnect.
            #expect(try await harness.eventually(timeout: .seconds(60)) { (try? await harness.effects().count) == 200 })
            #expect(try await harness.eventually { try await harness.drained() })
            #expect(try await harness.effects() == Dictionary(uniqueKeysWithValues: (0..<200).map { ("k\($0)", 1) }))
            #expect(attempts.current >= 2)
            #expect(deliveries.withLock { $0.contains(2) }, "the batch was never delivered again")
            #expect(try await harness.redis.xlen(harness.keys.dead(harness.stream)) == 0)

            #expect(try await harness.eventually { try await harness.redis.xlen(replies) == 200 })
            let answers = try await harness.redis.xrange(replies).compactMap { $0["id"] }
            #expect(answers.count == 200 && Set(answers) == published)
            let counted = harness.keys.custom("events:counted")
            // One event per command. Its outbox row may be published twice (by the relay too, if
            // the slow commit after the restart made it stale before the batch's settle), and a
            // copy keeps the event's id, by which consumers drop it.
            #expect(try await harness.eventually { Set(try await harness.redis.xrange(counted).compactMap { $0["id"] }).count == 200 })
            let events = try await harness.redis.xrange(counted)
            #expect(Dictionary(grouping: events, by: { $0["correlation_id"] ?? "" }).values.allSatisfy { Set($0.map { $0["id"] }).count == 1 })
            #expect(Set(events.compactMap { $0["correlation_id"] }).count == 200)
            worker.stop()
            try await running.value
            await harness.close()
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
