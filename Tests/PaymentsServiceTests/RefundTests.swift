import Contracts
import FleetTestSupport
import Foundation
import PaymentsService
import Testing

@Suite("refunds and the orders replica", .timeLimit(.minutes(2)))
struct RefundTests {
    @Test("an order cancelled after it was paid is refunded, and the refund recorded")
    func refundsPaidOrder() async throws {
        let fixture = try await PaymentsFixture.start()
        let user = RecordID.make()
        let order = try await fixture.createOrder(userID: user)
        let payment = try await fixture.pay(order, userID: user).decode(PaymentView.self)

        try await fixture.cancelOrder(order)
        try await fixture.waitFor("the refund") { try await fixture.payments(for: order).first?.refunded == true }
        let refund = try #require(fixture.gateway.refunds.first)
        #expect(fixture.gateway.refunds.count == 1)
        #expect(refund.chargeID == payment.stripeId)
        #expect(refund.idempotencyKey == "refund-\(order)")
        #expect(try await fixture.payments(for: order).first?.refundID?.hasPrefix("re_") == true)
        try await fixture.stop()
    }

    @Test("a cancellation announced again is not refunded twice")
    func cancellationTwice() async throws {
        let fixture = try await PaymentsFixture.start()
        let user = RecordID.make()
        let order = try await fixture.createOrder(userID: user)
        #expect(try await fixture.pay(order, userID: user).status == 201)
        try await fixture.cancelOrder(order)
        try await fixture.waitFor("the refund") { try await fixture.payments(for: order).first?.refunded == true }

        // Republished by the orders service's relay under a new message id: the version gate,
        // not the inbox, has to catch it. A later event on the same stream shows it was handled.
        try await fixture.harness.publish(OrderCancelled(id: order, version: 1, ticket: .init(id: RecordID.make())))
        let later = try await fixture.createOrder(userID: user)
        try await fixture.cancelOrder(later)
        #expect(fixture.gateway.refunds.count == 1)
        try await fixture.stop()
    }

    @Test("a cancelled order with no payment is only marked cancelled, nothing refunded")
    func cancelWithoutPayment() async throws {
        let fixture = try await PaymentsFixture.start()
        let order = try await fixture.createOrder(userID: RecordID.make())
        try await fixture.cancelOrder(order)
        #expect(fixture.gateway.refunds.isEmpty)
        try await fixture.stop()
    }

    @Test("a cancellation that skips versions the orders service never announced still applies")
    func skippedVersions() async throws {
        let fixture = try await PaymentsFixture.start()
        let order = try await fixture.createOrder(userID: RecordID.make())
        // created (0) → awaiting:payment (1, no event) → cancelled (2)
        try await fixture.cancelOrder(order, version: 2)
        #expect(try await fixture.orderStatus(order) == "cancelled")
        try await fixture.stop()
    }

    @Test("a cancellation that arrives before its order applies at once; the late creation fills in the owner and the order stays unpayable")
    func cancellationFirst() async throws {
        let fixture = try await PaymentsFixture.start()
        let user = RecordID.make()
        let order = RecordID.make()
        try await fixture.harness.publish(OrderCancelled(id: order, version: 1, ticket: .init(id: RecordID.make())))
        try await fixture.waitFor("the cancellation, before its order") { try await fixture.orderStatus(order) == "cancelled" }
        let created = try await fixture.harness.publish(OrderCreated(
            id: order, status: .created, userId: user, expiresAt: Date().addingTimeInterval(900), version: 0,
            ticket: .init(id: RecordID.make(), priceCents: 1_000)))
        try await fixture.harness.awaitHandled([created], by: "payments")
        #expect(try await fixture.orderStatus(order) == "cancelled")
        let reply = try await fixture.pay(order, userID: user)
        #expect(reply.status == 400)
        #expect(reply.errors == [ErrorBody.Item(message: "Cannot pay for a cancelled order")])
        #expect(try await fixture.payments(for: order).isEmpty)
        try await fixture.stop()
    }

    @Test("a payment and a cancellation racing on two workers end paid-and-refunded or refused, never paid-and-kept")
    func raceWithCancellation() async throws {
        let fixture = try await PaymentsFixture.start(gateway: RecordingGateway(delay: .milliseconds(300)))
        let second = try await fixture.harness.start(
            try PaymentsService.definition(configuration: fixture.harness.configuration(consumer: "second"), gateway: fixture.gateway, environment: [:]),
            consumer: "second")
        let user = RecordID.make()
        for _ in 0..<4 {
            let order = try await fixture.createOrder(userID: user)
            async let paying = fixture.pay(order, userID: user)
            try await Task.sleep(for: .milliseconds(100))
            try await fixture.harness.publish(OrderCancelled(id: order, version: 1, ticket: .init(id: RecordID.make())))
            let reply = try await paying
            try await fixture.waitFor("order \(order) cancelled") { try await fixture.orderStatus(order) == "cancelled" }
            if reply.status == 201 {
                try await fixture.waitFor("the refund of \(order)") { try await fixture.payments(for: order).first?.refunded == true }
            } else {
                #expect(reply.status == 400)
                #expect(try await fixture.payments(for: order).isEmpty)
            }
        }
        try await second.stop()
        try await fixture.stop()
    }
}
