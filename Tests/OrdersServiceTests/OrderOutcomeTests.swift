import Contracts
import FleetTestSupport
import Foundation
import Testing

@Suite("expiry and payment end an order", .timeLimit(.minutes(2)))
struct OrderOutcomeTests {
    @Test("expiration:complete cancels a live order and announces it")
    func expiryCancels() async throws {
        try await OrdersFixture.run { orders in
            let ticket = try await orders.ticket()
            let order = try await orders.order(ticket, by: RecordID.make())
            try await orders.deliver(ExpirationComplete(orderId: order.id))
            #expect(try await orders.status(of: order.id) == .cancelled)
            #expect(try await orders.harness.eventually { try await orders.cancelledEvents(of: order.id).count == 1 })
            let event = try #require(try await orders.cancelledEvents(of: order.id).first)
            #expect(event.version == 1)
            #expect(event.ticket.id == ticket)
        }
    }

    @Test("expiration:complete for a paid order changes nothing")
    func expiryAfterPayment() async throws {
        try await OrdersFixture.run { orders in
            let order = try await orders.order(try await orders.ticket(), by: RecordID.make())
            try await orders.deliver(PaymentCreated(id: RecordID.make(), orderId: order.id, stripeId: "ch_test"))
            try await orders.deliver(ExpirationComplete(orderId: order.id))
            #expect(try await orders.status(of: order.id) == .complete)
            #expect(try await orders.harness.outboxed(OrderCancelled.type) == 0)
        }
    }

    @Test("payment:created completes a live order")
    func paymentCompletes() async throws {
        try await OrdersFixture.run { orders in
            let order = try await orders.order(try await orders.ticket(), by: RecordID.make())
            try await orders.deliver(PaymentCreated(id: RecordID.make(), orderId: order.id, stripeId: "ch_test"))
            #expect(try await orders.status(of: order.id) == .complete)
            #expect(try await orders.version(of: order.id) == 1)
        }
    }

    @Test("payment:created for an expired order leaves it cancelled")
    func paymentAfterExpiry() async throws {
        try await OrdersFixture.run { orders in
            let order = try await orders.order(try await orders.ticket(), by: RecordID.make())
            try await orders.deliver(ExpirationComplete(orderId: order.id))
            try await orders.deliver(PaymentCreated(id: RecordID.make(), orderId: order.id, stripeId: "ch_test"))
            #expect(try await orders.status(of: order.id) == .cancelled)
            #expect(try await orders.version(of: order.id) == 1)
        }
    }
}
