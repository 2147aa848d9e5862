import Contracts
import Foundation
import PostgresClient
import WorkerRuntime

/// order:cancelled: marks the replica's order cancelled, so it cannot be paid any more, and
/// refunds it if it was paid already (the expiry and the payment raced, and the expiry won).
struct OrderCancellationHandler: Sendable {
    let gateway: any PaymentGateway

    func handle(_ message: IncomingMessage, _ context: MessageContext) async throws {
        let event = try MessageCoding.decode(OrderCancelled.self, from: message.envelope.data)
        let orderID = try EventIDs.uuid(event.id, "order id")
        // FOR UPDATE waits for a CreatePayment holding this order to commit, so the payment
        // lookup below sees its row: a charge made just before the cancellation is refunded.
        let rows = try await context.query("SELECT version FROM payments.orders WHERE id = \(orderID) FOR UPDATE")
        let current = try rows.first.map { try $0.decode(Int.self, at: 0) }
        guard try shouldApply(current: current, incoming: event.version, orderID: event.id) else { return }
        context.execute("UPDATE payments.orders SET status = \(OrderStatus.cancelled.rawValue), version = \(event.version) WHERE id = \(orderID)")

        let payments = try await context.query(
            "SELECT id, stripe_id FROM payments.payments WHERE order_id = \(orderID) AND refunded_at IS NULL")
        guard let payment = payments.first else { return }
        let (paymentID, chargeID) = try payment.decode((UUID, String).self)
        // A thrown gateway error fails the whole message, cancellation included: it is tried
        // again until the refund is made, and an impossible one ends in the dead letters.
        let refund = try await gateway.refund(RefundRequest(chargeID: chargeID, idempotencyKey: "refund-\(event.id)"))
        context.execute("""
            UPDATE payments.payments SET refunded_at = now(), refund_id = \(refund.refundID)
            WHERE id = \(paymentID) AND refunded_at IS NULL
            """)
    }

    /// The version gate, with one allowance: the orders service bumps an order's version for
    /// changes it announces to no one (awaiting payment), so a cancellation may skip versions.
    /// Cancelling is an order's last change and the only one after order:created that this
    /// replica hears of, so nothing it needs can be missing: apply it once the order is here.
    private func shouldApply(current: Int?, incoming: Int, orderID: String) throws -> Bool {
        if let current, incoming > current { return true }
        return try VersionGate.shouldApply(current: current, incoming: incoming, what: "order \(orderID)")
    }
}
