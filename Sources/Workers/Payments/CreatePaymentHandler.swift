import Contracts
import Foundation
import PostgresClient
import WorkerRuntime

/// CreatePayment: the payer's own, live, unpaid order is charged through the gateway, and the
/// payment recorded and announced. The idempotency key is the order id, plus the number of
/// declined charges once there has been one (see ``chargeKey(order:declined:)``).
struct CreatePaymentHandler: Sendable {
    let gateway: any PaymentGateway

    func handle(_ message: IncomingMessage, _ context: MessageContext) async throws {
        guard let userID = message.envelope.userID.flatMap(RecordID.normalize) else {
            context.reject(status: 401, "Not authorized")
            return
        }
        guard let command = try? MessageCoding.decode(CreatePayment.self, from: message.envelope.data) else {
            context.reject(status: 400, "The payment request is not valid")
            return
        }
        let input: PaymentInput
        switch PaymentInput.validate(command) {
        case .success(let valid): input = valid
        case .failure(let problem):
            context.reject(status: 400, problem.message, field: problem.field)
            return
        }

        // The lock keeps a concurrent cancellation (or a second copy of this worker paying the
        // same order) waiting until this payment is committed or refused.
        let orders = try await context.query("""
            SELECT user_id, price_cents, status, declined_charges FROM payments.orders WHERE id = \(input.orderID) FOR UPDATE
            """)
        guard let order = orders.first else {
            context.reject(status: 404, "Order not found")
            return
        }
        let (ownerID, price, status, declined) = try order.decode((UUID?, Int?, String, Int).self)
        // Someone else's order answers as if it did not exist: ids are not to be probed. So
        // does one whose cancellation came before its creation (no owner known yet).
        guard let ownerID, let priceCents = price, ownerID.lowercasedString == userID else {
            context.reject(status: 404, "Order not found")
            return
        }
        if status == OrderStatus.cancelled.rawValue {
            context.reject(status: 400, "Cannot pay for a cancelled order")
            return
        }
        let paid = try await context.query("SELECT 1 FROM payments.payments WHERE order_id = \(input.orderID)")
        if !paid.isEmpty {
            context.reject(status: 400, "Order is already paid")
            return
        }

        let orderText = input.orderID.lowercasedString
        let result = try await gateway.charge(ChargeRequest(
            amountCents: priceCents, currency: PaymentsService.currency, token: input.token,
            description: "Order \(orderText)", idempotencyKey: Self.chargeKey(order: orderText, declined: declined)))
        switch result {
        case .declined(let reason):
            context.execute("UPDATE payments.orders SET declined_charges = declined_charges + 1 WHERE id = \(input.orderID)")
            context.reject(status: 402, "Payment declined: \(reason)")
        case .invalid(let reason, let field):
            context.reject(status: 400, reason, field: field)
        case .charged(let chargeID):
            try await record(chargeID: chargeID, orderID: input.orderID, context)
        }
    }

    /// A new key only after a decline, which the provider answered for sure: every other
    /// outcome (charged, invalid, an answer lost on the way) keeps the key, so a repeat can only
    /// replay the charge the provider may already have made, never make a second one.
    static func chargeKey(order: String, declined: Int) -> String {
        declined == 0 ? order : "\(order):\(declined)"
    }

    private func record(chargeID: String, orderID: UUID, _ context: MessageContext) async throws {
        let paymentID = UUID.timeOrdered()
        let inserted = try await context.query("""
            INSERT INTO payments.payments (id, order_id, stripe_id) VALUES (\(paymentID), \(orderID), \(chargeID))
            ON CONFLICT (order_id) DO NOTHING RETURNING id
            """)
        guard !inserted.isEmpty else {
            // Recorded meanwhile by another delivery; the idempotency key made it the same charge.
            context.reject(status: 400, "Order is already paid")
            return
        }
        let payment = PaymentView(id: paymentID.lowercasedString, orderId: orderID.lowercasedString, stripeId: chargeID)
        context.publish(PaymentCreated(id: payment.id, orderId: payment.orderId, stripeId: payment.stripeId))
        context.reply(status: 201, payment)
    }
}
