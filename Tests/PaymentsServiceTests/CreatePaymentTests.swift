import Contracts
import FleetTestSupport
import Foundation
import PaymentsService
import Testing

@Suite("CreatePayment", .timeLimit(.minutes(2)))
struct CreatePaymentTests {
    @Test("paying your own order with tok_visa answers 201 with the payment and publishes PaymentCreated")
    func pays() async throws {
        let fixture = try await PaymentsFixture.start()
        let user = RecordID.make()
        let order = try await fixture.createOrder(userID: user, priceCents: 2_050)

        let reply = try await fixture.pay(order, userID: user)
        #expect(reply.status == 201)
        let payment = try reply.decode(PaymentView.self)
        #expect(RecordID.normalize(payment.id) == payment.id)
        #expect(payment.orderId == order)

        let charge = try #require(fixture.gateway.charges.first)
        #expect(fixture.gateway.charges.count == 1)
        #expect(charge.request.amountCents == 2_050)
        #expect(charge.request.currency == "usd")
        #expect(charge.request.idempotencyKey == order)
        #expect(charge.result == .charged(id: payment.stripeId))

        let rows = try await fixture.payments(for: order)
        #expect(rows.map(\.id) == [UUID(uuidString: payment.id)!])
        #expect(rows.first?.stripeID == payment.stripeId)
        #expect(try await fixture.harness.eventually { try await fixture.harness.events(PaymentCreated.self).count == 1 })
        let event = try #require(try await fixture.harness.events(PaymentCreated.self).first)
        #expect(event.id == payment.id)
        #expect(event.orderId == order)
        #expect(event.stripeId == payment.stripeId)
        try await fixture.stop()
    }

    @Test("a declined card answers 402 and records no payment and no event")
    func declined() async throws {
        let fixture = try await PaymentsFixture.start()
        let user = RecordID.make()
        let order = try await fixture.createOrder(userID: user)

        let reply = try await fixture.pay(order, token: TestGateway.decliningToken, userID: user)
        #expect(reply.status == 402)
        #expect(reply.errors.first?.message.contains("declined") == true)
        #expect(try await fixture.payments(for: order).isEmpty)
        // The reply is sent after the commit, so an event would already be in the outbox.
        #expect(try await fixture.outboxCount() == 0)
        try await fixture.stop()
    }

    @Test("after a declined card the payer can pay with another: a fresh idempotency key, one charge, one payment")
    func anotherCardAfterDecline() async throws {
        let fixture = try await PaymentsFixture.start()
        let user = RecordID.make()
        let order = try await fixture.createOrder(userID: user)

        #expect(try await fixture.pay(order, token: TestGateway.decliningToken, userID: user).status == 402)
        #expect(try await fixture.pay(order, token: TestGateway.decliningToken, userID: user).status == 402)
        let paid = try await fixture.pay(order, token: TestGateway.approvingToken, userID: user)
        #expect(paid.status == 201, "\(paid)")
        #expect(fixture.gateway.charges.map(\.request.idempotencyKey) == [order, "\(order):1", "\(order):2"])
        #expect(try await fixture.payments(for: order).count == 1)
        #expect(try await fixture.outboxCount() == 1)
        try await fixture.stop()
    }

    @Test("another card while a charge's answer is unknown is refused, not charged under a new key")
    func anotherCardWhileUnknown() async throws {
        // The first charge is made but its answer lost, three times over: the command stays
        // pending with its key in use.
        let fixture = try await PaymentsFixture.start(gateway: RecordingGateway(losingFirstAnswers: 100))
        let user = RecordID.make()
        let order = try await fixture.createOrder(userID: user)
        async let first = fixture.pay(order, token: TestGateway.approvingToken, userID: user)
        try await fixture.waitFor("the first charge") { !fixture.gateway.charges.isEmpty }

        fixture.gateway.stopLosingAnswers()
        let other = try await fixture.pay(order, token: "tok_mastercard", userID: user)
        #expect(other.status == 400, "\(other)")
        #expect(try await first.status == 201)
        #expect(Set(fixture.gateway.charges.map(\.request.idempotencyKey)) == [order])
        #expect(try await fixture.payments(for: order).count == 1)
        try await fixture.stop()
    }

    @Test("a token the gateway does not know answers 400 naming the token")
    func invalidToken() async throws {
        let fixture = try await PaymentsFixture.start()
        let user = RecordID.make()
        let order = try await fixture.createOrder(userID: user)

        let reply = try await fixture.pay(order, token: "tok_made_up", userID: user)
        #expect(reply.status == 400)
        #expect(reply.errors.first?.field == "token")
        #expect(try await fixture.payments(for: order).isEmpty)
        try await fixture.stop()
    }

    @Test("someone else's order answers 404, as if it did not exist, and nothing is charged")
    func othersOrder() async throws {
        let fixture = try await PaymentsFixture.start()
        let order = try await fixture.createOrder(userID: RecordID.make())

        let reply = try await fixture.pay(order, userID: RecordID.make())
        #expect(reply.status == 404)
        #expect(reply.errors.first?.message == "Order not found")
        #expect(fixture.gateway.charges.isEmpty)
        try await fixture.stop()
    }

    @Test("an order the service never heard of answers 404")
    func unknownOrder() async throws {
        let fixture = try await PaymentsFixture.start()
        let reply = try await fixture.pay(RecordID.make(), userID: RecordID.make())
        #expect(reply.status == 404)
        #expect(fixture.gateway.charges.isEmpty)
        try await fixture.stop()
    }

    @Test("a cancelled order cannot be paid: 400 and no charge")
    func cancelledOrder() async throws {
        let fixture = try await PaymentsFixture.start()
        let user = RecordID.make()
        let order = try await fixture.createOrder(userID: user)
        try await fixture.cancelOrder(order)

        let reply = try await fixture.pay(order, userID: user)
        #expect(reply.status == 400)
        #expect(reply.errors.first?.message == "Cannot pay for a cancelled order")
        #expect(fixture.gateway.charges.isEmpty)
        try await fixture.stop()
    }

    @Test("an order paid already answers 400 and is not charged again")
    func alreadyPaid() async throws {
        let fixture = try await PaymentsFixture.start()
        let user = RecordID.make()
        let order = try await fixture.createOrder(userID: user)
        #expect(try await fixture.pay(order, userID: user).status == 201)

        let again = try await fixture.pay(order, userID: user)
        #expect(again.status == 400)
        #expect(again.errors.first?.message == "Order is already paid")
        #expect(fixture.gateway.charges.count == 1)
        #expect(try await fixture.payments(for: order).count == 1)
        try await fixture.stop()
    }

    @Test("a command delivered twice is charged once, recorded once, and answered the same both times")
    func duplicateDelivery() async throws {
        let fixture = try await PaymentsFixture.start()
        let user = RecordID.make()
        let order = try await fixture.createOrder(userID: user)
        let commandID = UUID()

        let first = try await fixture.pay(order, userID: user, id: commandID)
        #expect(first.status == 201)
        // The same envelope again, as a redelivery or a retrying API would send it.
        // The first reply is removed, so that the reply awaited below can only be a new one.
        let replies = try await fixture.harness.redis.xrange(fixture.harness.replyStream).map(\.id)
        _ = try await fixture.harness.redis.xdel(fixture.harness.replyStream, ids: replies)
        let second = try await fixture.pay(order, userID: user, id: commandID)
        #expect(second == first)
        #expect(fixture.gateway.charges.count == 1)
        #expect(try await fixture.payments(for: order).count == 1)
        #expect(try await fixture.outboxCount() == 1)
        try await fixture.stop()
    }

    @Test("a charge whose answer was lost is retried with the same idempotency key: one charge, one payment")
    func lostAnswer() async throws {
        let fixture = try await PaymentsFixture.start(gateway: RecordingGateway(losingFirstAnswers: 1))
        let user = RecordID.make()
        let order = try await fixture.createOrder(userID: user)

        let reply = try await fixture.pay(order, userID: user)
        #expect(reply.status == 201)
        let charges = fixture.gateway.charges
        #expect(charges.count == 2)
        #expect(Set(charges.map(\.request.idempotencyKey)) == [order])
        // The provider saw the same key twice and made one charge: both answers name it.
        #expect(charges[0].result == charges[1].result)
        #expect(try await fixture.payments(for: order).map(\.stripeID) == [try reply.decode(PaymentView.self).stripeId])
        try await fixture.stop()
    }

    @Test("a command with no user answers 401; a malformed order id answers 400 naming it")
    func refusedInput() async throws {
        let fixture = try await PaymentsFixture.start()
        let anonymous = try await fixture.pay(RecordID.make(), userID: nil)
        #expect(anonymous.status == 401)
        #expect(anonymous.errors.first?.message == "Not authorized")
        let malformed = try await fixture.pay("order-1", userID: RecordID.make())
        #expect(malformed.status == 400)
        #expect(malformed.errors.first?.field == "orderId")
        let blank = try await fixture.pay(RecordID.make(), token: "  ", userID: RecordID.make())
        #expect(blank.status == 400)
        #expect(blank.errors.first?.field == "token")
        #expect(fixture.gateway.charges.isEmpty)
        try await fixture.stop()
    }
}
