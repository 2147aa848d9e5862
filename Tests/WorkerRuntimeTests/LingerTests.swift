import Contracts
import Foundation
import Logging
import Synchronization
import Testing
@testable import WorkerRuntime

@Suite("event loops linger after a batch that was not full", .timeLimit(.minutes(2)))
struct LingerTests {
    @Test("events that arrive while an event loop lingers share one batch; without the linger each comes alone")
    func lingeringBatches() async throws {
        // A linger far longer than the four arrivals take, even on a machine busy enough to hold
        // this test up for seconds between seeing the first batch and publishing the rest.
        #expect(try await batchSizes(linger: .seconds(4)) == [1, 4])
        // The same arrivals, no linger: a blocked read returns at the first entry, each time.
        #expect(try await batchSizes(linger: .zero).count >= 3)
    }

    @Test("only a loop reading events alone lingers; EVENT_LINGER_MS sets it, 0 turns it off")
    func whoLingers() throws {
        let keys = KeySpace(prefix: "p")
        let configuration = try WorkerConfiguration.fromEnvironment(["EVENT_LINGER_MS": "7"])
        #expect(configuration.eventLinger == .milliseconds(7))
        #expect(Worker.linger(of: [keys.events(.orderCreated)], keys: keys, configuration: configuration) == .milliseconds(7))
        #expect(Worker.linger(of: [keys.commands(.orders)], keys: keys, configuration: configuration) == .zero)
        #expect(try WorkerConfiguration.fromEnvironment([:]).eventLinger == .milliseconds(5))
        #expect(try WorkerConfiguration.fromEnvironment(["EVENT_LINGER_MS": "0"]).eventLinger == .zero)
        #expect { try WorkerConfiguration.fromEnvironment(["EVENT_LINGER_MS": "5000"]) } throws: { "\($0)".contains("EVENT_LINGER_MS") }
    }

    @Test("a stop while the loop lingers ends within the linger and loses nothing: what arrived meanwhile is handled once, by the next worker")
    func stopWhileLingering() async throws {
        let harness = try await Harness.make()
        var logger = Logger(label: "test-worker")
        logger.logLevel = .critical
        func lingeringWorker(_ consumer: String) -> Worker {
            var configuration = harness.configuration(consumer: consumer)
            configuration.eventLinger = .seconds(1)
            return Worker(configuration: configuration, service: harness.countingService(), logger: logger)
        }
        let first = lingeringWorker("a")
        let running = Task { try await first.run() }
        try await harness.publish("k0")
        #expect(try await harness.eventually { try await harness.effects() == ["k0": 1] })
        // The loop now sleeps on its thread for a second; these arrive, and the stop comes, meanwhile.
        for index in 1...3 { try await harness.publish("k\(index)") }
        let stopped = ContinuousClock.now
        first.stop()
        try await running.value
        #expect(ContinuousClock.now - stopped < .seconds(10))
        // Whatever the stopping worker took it finished; the rest waits in the group for the next.
        let second = lingeringWorker("b")
        let next = Task { try await second.run() }
        #expect(try await harness.eventually { try await harness.effects() == ["k0": 1, "k1": 1, "k2": 1, "k3": 1] })
        #expect(try await harness.eventually { try await harness.drained() })
        second.stop()
        try await next.value
        #expect(try await harness.effects() == ["k0": 1, "k1": 1, "k2": 1, "k3": 1])
        #expect(try await harness.pendingCount() == 0)
        await harness.close()
    }

    /// One event, then (once its batch is in hand) four more 50 ms apart: the sizes of the batches they came in.
    private func batchSizes(linger: Duration) async throws -> [Int] {
        let harness = try await Harness.make()
        var configuration = harness.configuration(consumer: "a")
        configuration.eventLinger = linger
        configuration.block = .seconds(1)
        let sizes = Mutex<[Int]>([])
        var logger = Logger(label: "test-worker")
        logger.logLevel = .critical
        let worker = Worker(
            configuration: configuration, service: harness.countingService(), logger: logger,
            hooks: .init(beforeCommit: { batch in sizes.withLock { $0.append(batch.count) } }))
        let running = Task { try await worker.run() }
        try await harness.publish("k0")
        #expect(try await harness.eventually { sizes.withLock { $0 } == [1] })
        for index in 1...4 {
            try await Task.sleep(for: .milliseconds(50))
            try await harness.publish("k\(index)")
        }
        #expect(try await harness.eventually { sizes.withLock { $0.reduce(0, +) } == 5 })
        worker.stop()
        try await running.value
        await harness.close()
        return sizes.withLock { $0 }
    }
}
