import Contracts
import FleetTestSupport
import Foundation
import Testing

@Suite("creating orders", .timeLimit(.minutes(2)))
struct CreateOrderTests {
    @Test("an order for a replicated ticket: 201 with the ticket and an expiry one TTL ahead, and order:created at version 0")
    func createsOrder() async throws {
        try await OrdersFixture.run(orderTTL: .seconds(900)) { orders in
            let ticket = try await orders.ticket(title: "Opera", priceCents: 12_345)
            let user = RecordID.make()
            let before = Date()
            let order = try await orders.order(ticket, by: user)
            #expect(order.status == .created)
            #expect(order.userId == user)
            #expect(order.version == 0)
            #expect(order.ticket == OrderView.Ticket(id: ticket, title: "Opera", priceCents: 12_345))
            #expect(abs(order.expiresAt.timeIntervalSince(before) - 900) < 5)
            #expect(RecordID.normalize(order.id) == order.id)

            #expect(try await orders.harness.eventually { try await orders.harness.events(OrderCreated.self).count == 1 })
            let event = try #require(try await orders.harness.events(OrderCreated.self).first)
            #expect(event.id == order.id)
            #expect(event.status == .created)
            #expect(event.userId == user)
            #expect(event.version == 0)
            #expect(event.ticket == OrderCreated.Ticket(id: ticket, priceCents: 12_345))
            #expect(abs(event.expiresAt.timeIntervalSince(order.expiresAt)) < 0.001)
            #expect(try await orders.status(of: order.id) == .created)
            // Announcing it put it on the expiration schedule at its expiry (ms, rounded up).
            let due = Int64((order.expiresAt.timeIntervalSince1970 * 1000).rounded(.up))
            #expect(try await orders.harness.eventually {
                try await orders.harness.redis.zscore(orders.harness.keys.expirations, member: order.id).map { Int64($0) } == due
            })
        }
    }

    @Test("an order for a ticket the service has not heard of answers 404")
    func unknownTicket() async throws {
        try await OrdersFixture.run { orders in
            let reply = try await orders.harness.send(CreateOrder(ticketId: RecordID.make()), userID: RecordID.make())
            #expect(reply.status == 404)
            #expect(reply.errors.map(\.message) == ["Ticket not found"])
        }
    }

    @Test("a second order for a ticket with a live order answers 400 on ticketId")
    func secondOrderRefused() async throws {
        try await OrdersFixture.run { orders in
            let ticket = try await orders.ticket()
            _ = try await orders.order(ticket, by: RecordID.make())
            let reply = try await orders.harness.send(CreateOrder(ticketId: ticket), userID: RecordID.make())
            #expect(reply.status == 400)
            #expect(reply.errors == [ErrorBody.Item(message: "Ticket is already reserved", field: "ticketId")])
        }
    }

    @Test("fifty concurrent orders for one ticket: exactly one is created, forty-nine answer 400")
    func concurrentOrders() async throws {
        try await OrdersFixture.run { orders in
            let ticket = try await orders.ticket()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await orders.harness.send(CreateOrder(ticketId: ticket), userID: RecordID.make()).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 1)
            #expect(statuses.filter { $0 == 400 }.count == 49)
            let live = try await orders.harness.database.query(
                "SELECT count(*) FROM orders.orders WHERE ticket_id = \(UUID(uuidString: ticket)!) AND status <> 'cancelled'")
            #expect(try live.first?.decode(Int.self, at: 0) == 1)
            #expect(try await orders.harness.eventually { try await orders.harness.events(OrderCreated.self).count == 1 })
        }
    }

    @Test("once its order is cancelled, the ticket can be ordered again")
    func reorderAfterCancel() async throws {
        try await OrdersFixture.run { orders in
            let ticket = try await orders.ticket()
            let user = RecordID.make()
            let first = try await orders.order(ticket, by: user)
            #expect(try await orders.harness.send(CancelOrder(orderId: first.id), userID: user).status == 204)
            let second = try await orders.order(ticket, by: RecordID.make())
            #expect(second.id != first.id)
        }
    }

    @Test("a command without a user answers 401; a ticket id that is not a UUID answers 400 on ticketId")
    func refusesBadInput() async throws {
        try await OrdersFixture.run { orders in
            let ticket = try await orders.ticket()
            let anonymous = try await orders.harness.send(CreateOrder(ticketId: ticket), userID: nil)
            #expect(anonymous.status == 401)
            #expect(anonymous.errors.map(\.message) == ["Not authorized"])
            let invalid = try await orders.harness.send(CreateOrder(ticketId: "not-a-uuid"), userID: RecordID.make())
            #expect(invalid.status == 400)
            #expect(invalid.errors.map(\.field) == ["ticketId"])
        }
    }
}
