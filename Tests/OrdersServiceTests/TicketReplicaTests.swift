import Contracts
import FleetTestSupport
import Foundation
import Testing

@Suite("the tickets replica", .timeLimit(.minutes(2)))
struct TicketReplicaTests {
    @Test("ticket:updated version 2 arriving before version 1 is applied after it")
    func appliesInVersionOrder() async throws {
        try await OrdersFixture.run { orders in
            let ticket = try await orders.ticket(title: "v0", priceCents: 100)
            let owner = RecordID.make()
            try await orders.harness.publish(TicketUpdated(id: ticket, title: "v2", priceCents: 300, userId: owner, orderId: nil, version: 2))
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await orders.replica(ticket)?.version == 0)  // held back until version 1 lands
            try await orders.harness.publish(TicketUpdated(id: ticket, title: "v1", priceCents: 200, userId: owner, orderId: nil, version: 1))
            #expect(try await orders.harness.eventually { try await orders.replica(ticket)?.version == 2 })
            let replica = try #require(try await orders.replica(ticket))
            #expect(replica.title == "v2")
            #expect(replica.priceCents == 300)
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
