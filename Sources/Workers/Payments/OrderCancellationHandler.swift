import Contracts
import Foundation
import PostgresClient
import WorkerRuntime

/// order:cancelled: marks the replica's order cancelled, so it cannot be paid any more, and
/// refunds it if it was paid already (the expiry and the payment raced, and the expiry won).
struct OrderCancellationHandler: Sendable {
    let gateway: any PaymentGateway

    func handle(_ message: IncomingMessage, _ context: MessageContext) async throws {
        let event = try MalformedEvent.decode(OrderCancelled.self, message)
        let orderID = try MalformedEvent.id(event.id, "order id")
        // The newest version wins, whether or not order:created has landed (it comes on another
        // stream; when it comes later it only fills in owner and price). The upsert locks the row,
        // so it waits for a CreatePayment holding this order to commit, and the payment lookup
        // below sees its row: a charge made just before the cancellation is refunded.
        let applied = try await context.query("""
            INSERT INTO payments.orders AS known (id, status, version)
            VALUES (\(orderID), \(OrderStatus.cancelled.rawValue), \(event.version))
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, version = excluded.version
                WHERE known.version < excluded.version
            RETURNING version
            """)
        guard !applied.isEmpty else { return }

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
}
