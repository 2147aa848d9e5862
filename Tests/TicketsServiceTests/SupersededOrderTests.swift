import Contracts
import FleetTestSupport
import Foundation
import PostgresClient
import Testing
import TicketsService

/// The tickets service's replica of orders follows the orders service whatever order its events
/// come in: an event its order's later version superseded resolves at once with no effect, is
/// never retried into the dead letters, and never reserves a ticket for a cancelled order.
@Suite("tickets: superseded order events", .timeLimit(.minutes(3)))
struct SupersededOrderTests {
    @Test("a backlog where a cancelled order's creation meets another order's hold ends with the live order holding the ticket, nothing dead-lettered")
    func backlogAfterRestart() async throws {
        let harness = try await ServiceHarness.make()
        let definition = try TicketsService.definition(configuration: harness.configuration())
        var worker = try await harness.start(definition)
        let ticket = try await createTicket(harness)
        let (a, b, c) = (RecordID.make(), RecordID.make(), RecordID.make())
        try await harness.awaitHandled([try await created(a, ticket, harness)], by: "tickets")
        #expect(try await holder(of: ticket, harness) == a)

        // Down while A is cancelled, C is created and cancelled, and B is created.
        try await worker.stop()
        var backlog = [try await cancelled(a, ticket, version: 2, harness)]
        backlog.append(try await created(c, ticket, harness))
        backlog.append(try await cancelled(c, ticket, version: 1, harness))
        backlog.append(try await created(b, ticket, harness))
        // Read back in one batch, creations first: C's and B's meet A's hold.
        worker = try await harness.start(definition)
        try await harness.awaitHandled(backlog, by: "tickets")
        #expect(try await drained(harness))

        #expect(try await holder(of: ticket, harness) == b)
        // Every change announced (the relay runs after the commit): A's release, B's hold.
        func holders() async throws -> [String?] {
            try await harness.events(TicketUpdated.self).filter { $0.id == ticket }.map(\.orderId)
        }
        #expect(try await harness.eventually { try await holders().last == b })
        #expect(try await !holders().contains(c), "the ticket was reserved for order C, which was already cancelled")
        for stream in definition.streams { #expect(try await harness.deadLetters(of: stream) == 0) }
        try await worker.stop()
        await harness.close()
    }

    enum Delivery: String, CaseIterable, CustomTestStringConvertible {
        /// Published one by one while the worker runs.
        case live
        /// Published while the worker is down, then read back as a backlog.
        case backlog
        var testDescription: String { rawValue }
    }

    @Test("several orders of one ticket, delivered in random orders with duplicates, end as the orders service has them", arguments: Delivery.allCases)
    func randomOrders(_ delivery: Delivery) async throws {
        let harness = try await ServiceHarness.make()
        let definition = try TicketsService.definition(configuration: harness.configuration())
        var worker = try await harness.start(definition)
        var random = SeededRandom(seed: UInt64.random(in: 1...UInt64.max))
        let seed = random.seed

        // Per ticket, orders one after another as the orders service allows (one live at a time):
        // each created at version 0 and cancelled at 1 or 2 (awaiting payment in between), the
        // last one live or not.
        var expectedHolder: [String: String?] = [:]
        var lastVersion: [String: Int] = [:]
        var events: [(publish: @Sendable (ServiceHarness) async throws -> Envelope, order: String)] = []
        for _ in 0..<6 {
            let ticket = try await createTicket(harness)
            let count = Int.random(in: 2...4, using: &random)
            var holder: String?
            for index in 0..<count {
                let order = RecordID.make()
                events.append(({ try await created(order, ticket, $0) }, order))
                lastVersion[order] = 0
                let live = index == count - 1 && Bool.random(using: &random)
                if live {
                    holder = order
                } else {
                    let version = Int.random(in: 1...2, using: &random)
                    events.append(({ try await cancelled(order, ticket, version: version, $0) }, order))
                    lastVersion[order] = version
                }
            }
            expectedHolder[ticket] = holder
        }
        // Duplicates: some events published twice.
        for _ in 0..<(events.count / 3) { events.append(events.randomElement(using: &random)!) }
        events.shuffle(using: &random)

        if delivery == .backlog { try await worker.stop() }
        var published: [Envelope] = []
        for event in events {
            let envelope = try await event.publish(harness)
            published.append(envelope)
            // Sometimes the same message again: a redelivery the inbox must catch.
            if Int.random(in: 0..<5, using: &random) == 0 {
                try await harness.redis.xadd(envelope.type == OrderCreated.type ? harness.keys.events(.orderCreated) : harness.keys.events(.orderCancelled), fields: envelope.fields)
            }
            if delivery == .live, Bool.random(using: &random) { try await Task.sleep(for: .milliseconds(Int.random(in: 0...5, using: &random))) }
        }
        if delivery == .backlog { worker = try await harness.start(definition) }
        try await harness.awaitHandled(published, by: "tickets", timeout: .seconds(60))
        #expect(try await drained(harness), "seed \(seed)")

        for (ticket, holder) in expectedHolder {
            #expect(try await self.holder(of: ticket, harness) == holder, "ticket \(ticket), seed \(seed)")
        }
        let known = try await harness.database.query("SELECT order_id, version FROM tickets.order_versions")
        let versions = Dictionary(uniqueKeysWithValues: try known.map { row in
            let (order, version) = try row.decode((UUID, Int).self)
            return (order.uuidString.lowercased(), version)
        })
        #expect(versions == lastVersion, "seed \(seed)")
        for stream in definition.streams { #expect(try await harness.deadLetters(of: stream) == 0, "seed \(seed)") }
        try await worker.stop()
        await harness.close()
    }

    // MARK: moves of the orders service, and what the tickets service holds

    private func createTicket(_ harness: ServiceHarness) async throws -> String {
        let reply = try await harness.send(CreateTicket(title: "Concert", priceCents: 2_000), userID: RecordID.make())
        guard reply.status == 201 else { throw HarnessError("creating a ticket answered \(reply.status)") }
        return try reply.decode(TicketView.self).id
    }

    private func created(_ order: String, _ ticket: String, _ harness: ServiceHarness) async throws -> Envelope {
        try await harness.publish(OrderCreated(
            id: order, status: .created, userId: RecordID.make(), expiresAt: Date().addingTimeInterval(900), version: 0,
            ticket: .init(id: ticket, priceCents: 2_000)))
    }

    private func cancelled(_ order: String, _ ticket: String, version: Int, _ harness: ServiceHarness) async throws -> Envelope {
        try await harness.publish(OrderCancelled(id: order, version: version, ticket: .init(id: ticket)))
    }

    private func holder(of ticket: String, _ harness: ServiceHarness) async throws -> String? {
        let rows = try await harness.database.query("SELECT order_id FROM tickets.tickets WHERE id = \(UUID(uuidString: ticket)!)")
        return try rows.first?.decode(UUID?.self, at: 0)?.uuidString.lowercased()
    }

    /// Waits until the tickets group has nothing pending and nothing unread on either order stream.
    private func drained(_ harness: ServiceHarness) async throws -> Bool {
        try await harness.eventually(timeout: .seconds(60)) {
            for stream in [harness.keys.events(.orderCreated), harness.keys.events(.orderCancelled)] {
                guard let group = try await harness.redis.xinfoGroups(stream).first(where: { $0.name == "tickets" }),
                      group.pending == 0, group.lag == 0 else { return false }
            }
            return true
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failing run's seed replays it.
struct SeededRandom: RandomNumberGenerator {
    let seed: UInt64
    private var state: UInt64

    init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
