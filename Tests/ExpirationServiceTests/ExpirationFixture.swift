import Contracts
import ExpirationService
import FleetTestSupport
import Foundation
import RedisClient
import WorkerRuntime

/// Expiration workers against a key prefix of the test's own, and helpers to read the
/// schedule and the expiration:complete stream.
struct ExpirationFixture {
    let harness: ServiceHarness

    /// Runs `body` with `workers` started expiration workers, stopping them afterwards.
    static func run(workers count: Int = 1, maxSleep: Duration = .seconds(2), _ body: (ExpirationFixture) async throws -> Void) async throws {
        let harness = try await ServiceHarness.make()
        var workers: [RunningWorker] = []
        do {
            for index in 0..<count {
                let consumer = "expiration-\(index)"
                let definition = try ExpirationService.definition(configuration: harness.configuration(consumer: consumer), maxSleep: maxSleep)
                workers.append(try await harness.start(definition, consumer: consumer))
            }
            try await body(ExpirationFixture(harness: harness))
        } catch {
            for worker in workers { try? await worker.stop() }
            await harness.close()
            throw error
        }
        for worker in workers { try await worker.stop() }
        await harness.close()
    }

    var stream: String { harness.keys.events(.expirationComplete) }

    /// The expiration:complete entries published so far.
    func announced() async throws -> [StreamEntry] {
        try await harness.redis.xrange(stream)
    }

    /// Announces a new order as the orders service does: the event, and with it the order on
    /// the schedule (its publication effect, ``ExpirationScheduling``); returns its id.
    @discardableResult
    func orderCreated(id: String = RecordID.make(), expiresAt: Date) async throws -> String {
        let envelope = try await harness.publish(OrderCreated(
            id: id, status: .created, userId: RecordID.make(), expiresAt: expiresAt, version: 0,
            ticket: .init(id: RecordID.make(), priceCents: 1_000)))
        for case .failure(let error) in try await harness.redis.pipeline(try ExpirationScheduling.onOrderCreated(envelope, harness.keys)) {
            throw error
        }
        return id
    }

    func scheduled(_ order: String) async throws -> Bool {
        try await harness.redis.zscore(harness.keys.expirations, member: order) != nil
    }
}

extension StreamEntry {
    /// The milliseconds part of the entry's id: when Redis added it.
    var addedAtMilliseconds: Int64 {
        Int64(id.split(separator: "-")[0])!
    }
}
