import Contracts
import ExpirationService
import FleetTestSupport
import Foundation
import RedisClient
import Testing

@Suite("announcing expirations", .timeLimit(.minutes(4)))
struct SchedulerTests {
    @Test("an order due in one second is announced after that second, not before, and once, with two workers running")
    func announcesOnceWhenDue() async throws {
        try await ExpirationFixture.run(workers: 2) { expiration in
            let expiresAt = Date().addingTimeInterval(1)
            let order = try await expiration.orderCreated(expiresAt: expiresAt)
            // On a loaded machine the order may be scheduled and already announced by the time
            // the test looks: either shows the event was handled.
            #expect(try await expiration.harness.eventually {
                let scheduled = try await expiration.scheduled(order)
                let announced = try await expiration.announced()
                return scheduled || !announced.isEmpty
            })

            #expect(try await expiration.harness.eventually(timeout: .seconds(10)) { try await !expiration.announced().isEmpty })
            #expect(Date() >= expiresAt)
            let dueMilliseconds = Int64((expiresAt.timeIntervalSince1970 * 1000).rounded(.up))
            let entry = try #require(try await expiration.announced().first)
            // Redis stamps entries a script adds with the time the script started, which can be
            // a millisecond before the clock reading the script compared the due time with.
            #expect(entry.addedAtMilliseconds >= dueMilliseconds - 1)
            // Late only by the machine's load: the scheduler sleeps to the due time, never polls.
            #expect(entry.addedAtMilliseconds - dueMilliseconds < 5_000)

            // It reads as any other event: the order's id as its identity, the contract's payload.
            let envelope = try Envelope(fields: entry.fields.map { ($0.name, $0.value) })
            #expect(envelope.id.uuidString.lowercased() == order)
            #expect(envelope.type == ExpirationComplete.type)
            #expect(try MessageCoding.decode(ExpirationComplete.self, from: envelope.data).orderId == order)
            #expect(envelope.correlationID == order)

            try await Task.sleep(for: .milliseconds(1_500))
            #expect(try await expiration.announced().count == 1)
            #expect(try await expiration.scheduled(order) == false)
        }
    }

    @Test("an order cancelled before it is due is never announced")
    func cancelledBeforeDue() async throws {
        try await ExpirationFixture.run { expiration in
            // Due in 10 s: room for the cancellation to land first on a loaded machine.
            let due = Date().addingTimeInterval(10)
            let order = try await expiration.orderCreated(expiresAt: due)
            #expect(try await expiration.harness.eventually { try await expiration.scheduled(order) })
            try await expiration.harness.publish(OrderCancelled(id: order, version: 1, ticket: .init(id: RecordID.make())))
            #expect(try await expiration.harness.eventually { try await !expiration.scheduled(order) })
            #expect(Date() < due, "the cancellation landed after the order was due; the test proves nothing")
            try await Task.sleep(for: .seconds(max(0, due.timeIntervalSinceNow) + 0.8))
            #expect(try await expiration.announced().isEmpty)
        }
    }

    @Test("an order whose expiry already passed when it arrives is announced at once")
    func alreadyDue() async throws {
        try await ExpirationFixture.run { expiration in
            let order = try await expiration.orderCreated(expiresAt: Date().addingTimeInterval(-60))
            #expect(try await expiration.harness.eventually(timeout: .seconds(5)) { try await expiration.announced().count == 1 })
            #expect(try await expiration.announced().first?[EnvelopeField.id] == order)
        }
    }

    @Test("a sleeping scheduler wakes for an order due sooner than the one it waits for")
    func wakesForEarlierOrder() async throws {
        try await ExpirationFixture.run(maxSleep: .seconds(60)) { expiration in
            let later = try await expiration.orderCreated(expiresAt: Date().addingTimeInterval(30))
            #expect(try await expiration.harness.eventually { try await expiration.scheduled(later) })
            try await Task.sleep(for: .milliseconds(300))  // the scheduler is asleep until `later` is due
            let sooner = try await expiration.orderCreated(expiresAt: Date().addingTimeInterval(0.5))
            #expect(try await expiration.harness.eventually(timeout: .seconds(5)) { try await expiration.announced().count == 1 })
            #expect(try await expiration.announced().first?[EnvelopeField.id] == sooner)
            #expect(try await expiration.scheduled(later))
        }
    }

    @Test("orders another process puts on the schedule are each published once, on time, with no handler ringing")
    func scheduledElsewhere() async throws {
        // A sleep cap far beyond the test: only the wake-ups can make these entries on time.
        try await ExpirationFixture.run(maxSleep: .seconds(600)) { expiration in
            let elsewhere = ExpirationSchedule(keys: expiration.harness.keys, redis: expiration.harness.redis)
            try await Task.sleep(for: .milliseconds(300))  // the scheduler is asleep on an empty schedule
            let start = Date().addingTimeInterval(0.5)
            var due: [String: Int64] = [:]
            // Latest first, so each entry leads the schedule when it is added: every add wakes.
            for step in (0..<400).reversed() {
                let order = RecordID.make()
                due[order] = try await elsewhere.add(order: order, due: start.addingTimeInterval(Double(step) * 0.005))
            }
            // And a second wave due sooner than all of those, added once the scheduler sleeps on the first.
            try await Task.sleep(for: .milliseconds(100))
            let sooner = RecordID.make()
            due[sooner] = try await elsewhere.add(order: sooner, due: Date().addingTimeInterval(0.2))

            #expect(try await expiration.harness.eventually(timeout: .seconds(120)) { try await expiration.announced().count >= due.count })
            let entries = try await expiration.announced()
            #expect(entries.count == due.count)
            #expect(Set(entries.compactMap { $0[EnvelopeField.id] }) == Set(due.keys))
            for entry in entries {
                let scheduled = try #require(due[entry[EnvelopeField.id] ?? ""])
                let lag = entry.addedAtMilliseconds - scheduled
                // Never early. Late only by what a loaded machine running the whole suite adds
                // (in a full run on 2 cores the test process can wait tens of seconds for CPU;
                // the lag itself is measured in expiry-bench), never by the 600 s a lost wake-up costs.
                #expect(lag >= -1 && lag < 90_000, "published \(lag) ms after its due time")
            }
        }
    }

    @Test("the group an earlier version kept on order:created is left at start, so it no longer holds that stream's trimming back")
    func leavesRetiredGroup() async throws {
        let harness = try await ServiceHarness.make()
        let stream = harness.keys.events(.orderCreated)
        #expect(try await harness.redis.xgroupCreate(stream, group: ServiceName.expiration.rawValue, startID: "0", makeStream: true))
        try await harness.redis.xgroupCreate(stream, group: ServiceName.tickets.rawValue, startID: "0", makeStream: true)
        let worker = try await harness.start(
            try ExpirationService.definition(configuration: harness.configuration(consumer: "expiration-0")), consumer: "expiration-0")
        #expect(try await harness.eventually { try await harness.redis.xinfoGroups(stream).map(\.name) == [ServiceName.tickets.rawValue] })
        try await worker.stop()
        await harness.close()
    }
}
