import Contracts
import FleetTestSupport
import Foundation
import Testing

@Suite("cancelling orders", .timeLimit(.minutes(2)))
struct CancelOrderTests {
    @Test("cancelling one's own order answers 204 and publishes order:cancelled at version 1")
    func cancelsOwnOrder() async throws {
        try await OrdersFixture.run { orders in
            let ticket = try await orders.ticket()
            let user = RecordID.make()
            let order = try await orders.order(ticket, by: user)
            let reply = try await orders.harness.send(CancelOrder(orderId: order.id), userID: user)
            #expect(reply.status == 204)
            #expect(reply.body == "")
            #expect(try await orders.status(of: order.id) == .cancelled)
            #expect(try await orders.harness.eventually { try await orders.cancelledEvents(of: order.id).count == 1 })
            let event = try #require(try await orders.cancelledEvents(of: order.id).first)
            #expect(event.version == 1)
            #expect(event.ticket.id == ticket)
        }
    }

    @Test("cancelling it again answers 204 and announces nothing more")
    func cancelTwice() async throws {
        try await OrdersFixture.run { orders in
            let user = RecordID.make()
            let order = try await orders.order(try await orders.ticket(), by: user)
            #expect(try await orders.harness.send(CancelOrder(orderId: order.id), userID: user).status == 204)
            #expect(try await orders.harness.send(CancelOrder(orderId: order.id), userID: user).status == 204)
            #expect(try await orders.version(of: order.id) == 1)
            #expect(try await orders.harness.outboxed(OrderCancelled.type) == 1)
        }
    }

    @Test("cancelling another user's order answers 404 and leaves it alone")
    func othersOrderNotFound() async throws {
        try await OrdersFixture.run { orders in
            let order = try await orders.order(try await orders.ticket(), by: RecordID.make())
            let reply = try await orders.harness.send(CancelOrder(orderId: order.id), userID: RecordID.make())
            #expect(reply.status == 404)
            #expect(reply.errors.map(\.message) == ["Order not found"])
            #expect(try await orders.status(of: order.id) == .created)
        }
    }

    @Test("cancelling a completed order answers 400")
    func completedOrderStays() async throws {
        try await OrdersFixture.run { orders in
            let user = RecordID.make()
            let order = try await orders.order(try await orders.ticket(), by: user)
            try await orders.deliver(PaymentCreated(id: RecordID.make(), orderId: order.id, stripeId: "ch_test"))
            let reply = try await orders.harness.send(CancelOrder(orderId: order.id), userID: user)
            #expect(reply.status == 400)
            #expect(reply.errors.map(\.message) == ["Cannot cancel a completed order"])
            #expect(try await orders.status(of: order.id) == .complete)
        }
    }
}
