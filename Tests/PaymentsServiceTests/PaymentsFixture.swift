import Contracts
import FleetTestSupport
import Foundation
import PaymentsService
import PostgresClient
import Synchronization
import WorkerRuntime

/// A payments worker running against a database and key prefix of its own, charging through a
/// recording wrapper around the real test gateway, with helpers to put orders in its replica.
struct PaymentsFixture {
    let harness: ServiceHarness
    let gateway: RecordingGateway
    let worker: RunningWorker

    static func start(gateway: RecordingGateway = RecordingGateway()) async throws -> PaymentsFixture {
        let harness = try await ServiceHarness.make()
        let definition = try PaymentsService.definition(configuration: harness.configuration(), gateway: gateway, environment: [:])
        let worker = try await harness.start(definition)
        return PaymentsFixture(harness: harness, gateway: gateway, worker: worker)
    }

    func stop() async throws {
        try await worker.stop()
        await harness.close()
    }

    /// Announces a new order as the orders service would, and waits until the replica has it.
    @discardableResult
    func createOrder(userID: String, priceCents: Int = 2_000) async throws -> String {
        let orderID = RecordID.make()
        try await harness.publish(OrderCreated(
            id: orderID, status: .created, userId: userID, expiresAt: Date().addingTimeInterval(900), version: 0,
            ticket: .init(id: RecordID.make(), priceCents: priceCents)))
        try await waitFor("order \(orderID) in the replica") { try await orderStatus(orderID) != nil }
        return orderID
    }

    /// Announces the order's cancellation and waits until the replica has it.
    func cancelOrder(_ orderID: String, version: Int = 1) async throws {
        try await harness.publish(OrderCancelled(id: orderID, version: version, ticket: .init(id: RecordID.make())))
        try await waitFor("order \(orderID) cancelled") { try await orderStatus(orderID) == "cancelled" }
    }

    func pay(_ orderID: String, token: String = TestGateway.approvingToken, userID: String?, id: UUID = UUID()) async throws -> CommandReply {
        try await harness.send(CreatePayment(orderId: orderID, token: token), userID: userID, id: id)
    }

    func orderStatus(_ orderID: String) async throws -> String? {
        let rows = try await harness.database.query("SELECT status FROM payments.orders WHERE id = \(UUID(uuidString: orderID)!)")
        return try rows.first?.decode(String.self, at: 0)
    }

    /// The payments recorded for an order: (id, stripe id, refunded, refund id).
    func payments(for orderID: String) async throws -> [(id: UUID, stripeID: String, refunded: Bool, refundID: String?)] {
        let rows = try await harness.database.query("""
            SELECT id, stripe_id, refunded_at IS NOT NULL, refund_id FROM payments.payments
            WHERE order_id = \(UUID(uuidString: orderID)!)
            """)
        return try rows.map { row in
            let (id, stripeID, refunded, refundID) = try row.decode((UUID, String, Bool, String?).self)
            return (id, stripeID, refunded, refundID)
        }
    }

    /// Events the service committed: published or about to be (payment:created is its only one).
    func outboxCount() async throws -> Int {
        try await harness.outboxed(PaymentCreated.type)
    }

    /// Waits for `condition`. The worker has migrated before ``start()`` returns, so an error
    /// here is a real one and is thrown at once, not turned into a time-out.
    func waitFor(_ what: String, _ condition: () async throws -> Bool) async throws {
        let held = try await harness.eventually { try await condition() }
        if !held { throw HarnessError("timed out waiting for \(what)") }
    }
}

/// Charges through an inner gateway (the test gateway by default) and records every call.
/// It can lose answers on the way back, as a dropped connection would after Stripe charged,
/// and it can be slow, to let a cancellation arrive while a charge is under way.
final class RecordingGateway: PaymentGateway {
    private struct State {
        var charges: [(request: ChargeRequest, result: ChargeResult)] = []
        var refunds: [RefundRequest] = []
        var answersToLose: Int
    }

    private let inner: any PaymentGateway
    private let delay: Duration?
    private let state: Mutex<State>

    init(_ inner: any PaymentGateway = TestGateway(), losingFirstAnswers: Int = 0, delay: Duration? = nil) {
        self.inner = inner
        self.delay = delay
        self.state = Mutex(State(answersToLose: losingFirstAnswers))
    }

    var charges: [(request: ChargeRequest, result: ChargeResult)] { state.withLock { $0.charges } }

    func stopLosingAnswers() {
        state.withLock { $0.answersToLose = 0 }
    }
    var refunds: [RefundRequest] { state.withLock { $0.refunds } }

    func charge(_ request: ChargeRequest) async throws -> ChargeResult {
        if let delay { try await Task.sleep(for: delay) }
        let result = try await inner.charge(request)
        let lost = state.withLock { state in
            state.charges.append((request, result))
            guard state.answersToLose > 0 else { return false }
            state.answersToLose -= 1
            return true
        }
        if lost { throw PaymentGatewayError(code: .unavailable, message: "the answer was lost on the way back") }
        return result
    }

    func refund(_ request: RefundRequest) async throws -> RefundResult {
        let result = try await inner.refund(request)
        state.withLock { $0.refunds.append(request) }
        return result
    }
}
