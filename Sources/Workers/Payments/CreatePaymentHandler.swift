import Contracts
import Foundation
import PostgresClient
import WorkerRuntime

/// CreatePayment: the payer's own, live, unpaid order is charged through the gateway, with the
/// order id as idempotency key, and the payment recorded and announced.
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
            SELECT user_id, price_cents, status FROM payments.orders WHERE id = \(input.orderID) FOR UPDATE
            """)
        guard let order = orders.first else {
            context.reject(status: 404, "Order not found")
            return
        }
        let (ownerID, priceCents, status) = try order.decode((UUID, Int, String).self)
        // Someone else's order answers as if it did not exist: ids are not to be probed.
        guard ownerID.uuidString.lowercased() == userID else {
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

        let orderText = input.orderID.uuidString.lowercased()
        let result = try await gateway.charge(ChargeRequest(
            amountCents: priceCents, currency: PaymentsService.currency, token: input.token,
            description: "Order \(orderText)", idempotencyKey: orderText))
        switch result {
        case .declined(let reason):
            context.reject(status: 402, "Payment declined: \(reason)")
        case .invalid(let reason, let field):
            context.reject(status: 400, reason, field: field)
        case .charged(let chargeID):
            try await record(chargeID: chargeID, orderID: input.orderID, context)
        }
    }

    private func record(chargeID: String, orderID: UUID, _ context: MessageContext) async throws {
        let paymentID = UUID()
        let inserted = try await context.query("""
            INSERT INTO payments.payments (id, order_id, stripe_id) VALUES (\(paymentID), \(orderID), \(chargeID))
            ON CONFLICT (order_id) DO NOTHING RETURNING id
            """)
        guard !inserted.isEmpty else {
            // Recorded meanwhile by another delivery; the idempotency key made it the same charge.
            context.reject(status: 400, "Order is already paid")
            return
        }
        let payment = PaymentView(id: paymentID.uuidString.lowercased(), orderId: orderID.uuidString.lowercased(), stripeId: chargeID)
        context.publish(PaymentCreated(id: payment.id, orderId: payment.orderId, stripeId: payment.stripeId))
        context.reply(status: 201, payment)
    }
}
