import Contracts
import FleetTestSupport
import Foundation
import PaymentsService
import Testing
import WorkerRuntime

@Suite("payments: malformed events", .timeLimit(.minutes(2)))
struct PaymentsMalformedEventTests {
    @Test("an order:created whose user id is no UUID and an order:cancelled that is not its JSON go to the dead letters saying so; the good order behind them lands")
    func deadLettered() async throws {
        let harness = try await ServiceHarness.make()
        let definition = try PaymentsService.definition(configuration: harness.configuration(), gateway: RecordingGateway(), environment: [:])
        let worker = try await harness.start(definition) { $0.maxDeliveries = 2 }
        let badUser = try await harness.publish(OrderCreated(
            id: RecordID.make(), status: .created, userId: "not-a-user", expiresAt: Date().addingTimeInterval(900), version: 0,
            ticket: .init(id: RecordID.make(), priceCents: 2_000)))
        let notJSON = Envelope(type: OrderCancelled.type, data: #"{"id":"x"}"#, correlationID: "test")
        try await harness.redis.xadd(harness.keys.events(OrderCancelled.name), fields: notJSON.fields)
        let good = RecordID.make()
        try await harness.publish(OrderCreated(
            id: good, status: .created, userId: RecordID.make(), expiresAt: Date().addingTimeInterval(900), version: 0,
            ticket: .init(id: RecordID.make(), priceCents: 2_000)))

        #expect(try await harness.eventually {
            try await !harness.database.query("SELECT 1 FROM payments.orders WHERE id = \(UUID.parse(good)!)").isEmpty
        })
        for (stream, envelope, error) in [
            (harness.keys.events(OrderCreated.name), badUser, "user id is not a UUID: not-a-user"),
            (harness.keys.events(OrderCancelled.name), notJSON, "\(OrderCancelled.type) \(notJSON.id.lowercasedString) is not valid: "),
        ] {
            #expect(try await harness.eventually { try await harness.deadLetters(of: stream) == 1 })
            let letter = try #require(try await harness.redis.xrange(harness.keys.dead(stream)).first)
            #expect(letter[EnvelopeField.id] == envelope.id.lowercasedString)
            #expect(letter[DeadLetterField.error]?.contains(error) == true, "\(letter[DeadLetterField.error] ?? "")")
        }
        try await worker.stop()
        await harness.close()
    }
}
