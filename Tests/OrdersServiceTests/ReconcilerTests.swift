import Contracts
import FleetTestSupport
import Foundation
import Testing

@Suite("the expiry reconciler", .timeLimit(.minutes(2)))
struct ReconcilerTests {
    @Test("an order past its expiry with nothing scheduled in Redis is cancelled by the reconciler")
    func cancelsOverdueOrder() async throws {
        try await OrdersFixture.run(orderTTL: .seconds(1), reconcileInterval: .milliseconds(200), expiryGrace: .zero) { orders in
            let ticket = try await orders.ticket()
            let order = try await orders.order(ticket, by: RecordID.make())
            #expect(try await orders.harness.eventually(timeout: .seconds(10)) { try await orders.status(of: order.id) == .cancelled })
            #expect(Date() >= order.expiresAt)
            #expect(try await orders.harness.eventually { try await orders.cancelledEvents(of: order.id).count == 1 })
            // The reconciler's event carries the order's id as its own, as the scheduler's does.
            let expirations = try await orders.harness.redis.xrange(orders.harness.keys.events(.expirationComplete))
            #expect(!expirations.isEmpty)
            #expect(expirations.allSatisfy { $0[EnvelopeField.id] == order.id })
            // It is not cancelled twice, however many sweeps saw it overdue: a second order,
            // overdue only after the first was cancelled, is swept too, so later sweeps have run.
            let later = try await orders.order(try await orders.ticket(), by: RecordID.make())
            #expect(try await orders.harness.eventually(timeout: .seconds(20)) { try await orders.status(of: later.id) == .cancelled })
            #expect(try await orders.harness.eventually { try await orders.cancelledEvents(of: later.id).count == 1 })
            #expect(try await orders.cancelledEvents(of: order.id).count == 1)
            #expect(try await orders.version(of: order.id) == 1)
        }
    }
}
