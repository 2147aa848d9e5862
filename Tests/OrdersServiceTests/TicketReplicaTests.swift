import Contracts
import FleetTestSupport
import Foundation
import Testing

@Suite("the tickets replica", .timeLimit(.minutes(2)))
struct TicketReplicaTests {
    @Test("ticket:updated version 2 arriving before version 1 applies at once; version 1 coming later changes nothing")
    func newestVersionWins() async throws {
        try await OrdersFixture.run { orders in
            let ticket = try await orders.ticket(title: "v0", priceCents: 100)
            let owner = RecordID.make()
            try await orders.deliver(TicketUpdated(id: ticket, title: "v2", priceCents: 300, userId: owner, orderId: nil, version: 2))
            #expect(try await orders.replica(ticket)?.version == 2)
            try await orders.deliver(TicketUpdated(id: ticket, title: "v1", priceCents: 200, userId: owner, orderId: nil, version: 1))
            let replica = try #require(try await orders.replica(ticket))
            #expect(replica.title == "v2")
            #expect(replica.priceCents == 300)
            #expect(replica.version == 2)
        }
    }

    @Test("ticket:updated arriving before ticket:created makes the replica; the late creation changes nothing and nothing is dead-lettered")
    func updatedBeforeCreated() async throws {
        try await OrdersFixture.run { orders in
            let ticket = RecordID.make()
            let owner = RecordID.make()
            try await orders.deliver(TicketUpdated(id: ticket, title: "edited", priceCents: 250, userId: owner, orderId: nil, version: 1))
            #expect(try await orders.replica(ticket)?.version == 1)
            try await orders.deliver(TicketCreated(id: ticket, title: "first", priceCents: 100, userId: owner, version: 0))
            let replica = try #require(try await orders.replica(ticket))
            #expect(replica.title == "edited" && replica.priceCents == 250 && replica.version == 1)
            // The replica is good to order from.
            #expect(try await orders.order(ticket, by: RecordID.make()).status == .created)
            for stream in [EventName.ticketCreated, .ticketUpdated] {
                #expect(try await orders.harness.deadLetters(of: orders.harness.keys.events(stream)) == 0)
            }
        }
    }

    @Test("a replayed older version changes nothing")
    func ignoresDuplicates() async throws {
        try await OrdersFixture.run { orders in
            let ticket = try await orders.ticket(title: "v0", priceCents: 100)
            let owner = RecordID.make()
            try await orders.deliver(TicketUpdated(id: ticket, title: "v1", priceCents: 200, userId: owner, orderId: nil, version: 1))
            try await orders.deliver(TicketCreated(id: ticket, title: "v0", priceCents: 100, userId: owner, version: 0))
            try await orders.deliver(TicketUpdated(id: ticket, title: "stale", priceCents: 1, userId: owner, orderId: nil, version: 1))
            let replica = try #require(try await orders.replica(ticket))
            #expect(replica.title == "v1")
            #expect(replica.version == 1)
        }
    }

    @Test("ticket:updated naming a created order moves it to awaiting:payment")
    func reservationConfirmed() async throws {
        try await OrdersFixture.run { orders in
            let ticket = try await orders.ticket(title: "Show", priceCents: 500)
            let order = try await orders.order(ticket, by: RecordID.make())
            try await orders.deliver(TicketUpdated(id: ticket, title: "Show", priceCents: 500, userId: RecordID.make(), orderId: order.id, version: 1))
            #expect(try await orders.status(of: order.id) == .awaitingPayment)
            #expect(try await orders.version(of: order.id) == 1)
        }
    }
}
