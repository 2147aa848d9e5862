import Contracts
import FleetTestSupport
import Foundation
import OrdersService
import RedisClient
import Testing
import WorkerRuntime

/// Two copies of the orders worker with four consumer loops each, one message per batch, each
/// batch holding its transaction open until another waits for its lock: the unique keys are
/// contended for real.
@Suite("orders under contention", .timeLimit(.minutes(3)))
struct ContendedOrdersTests {
    @Test("40 users order one ticket at once across two copies of four loops: exactly one live order, every other answered 400 'Ticket is already reserved'")
    func oneLiveOrderPerTicket() async throws {
        let harness = try await ServiceHarness.make()
        let definition = try OrdersService.definition(
            configuration: harness.configuration(), orderTTL: .seconds(900),
            reconcileInterval: .seconds(60), expiryGrace: .seconds(60), environment: [:])
        let contention = Contention(database: harness.database)
        var copies: [RunningWorker] = []
        for name in ["orders-1", "orders-2"] {
            copies.append(try await harness.start(definition, consumer: name, hooks: contention.hooks) {
                $0.concurrency = 4
                $0.batchSize = 1
                $0.databasePoolSize = 6
            })
        }
        let ticket = try await OrdersFixture(harness: harness).ticket()

        var commands: [RedisCommand] = []
        var ids: [UUID] = []
        for _ in 0..<40 {
            let envelope = Envelope(
                type: CreateOrder.type, data: MessageCoding.encode(CreateOrder(ticketId: ticket)),
                userID: RecordID.make(), replyTo: harness.replyStream)
            ids.append(envelope.id)
            var append = RedisCommand("XADD", harness.keys.commands(.orders), "*")
            for (name, value) in envelope.fields { append.append(contentsOf: [name, value]) }
            commands.append(append)
        }
        for result in try await harness.redis.pipeline(commands) { _ = try result.get() }
        var replies: [CommandReply] = []
        for id in ids { replies.append(try await harness.reply(to: id, timeout: .seconds(60))) }

        #expect(replies.filter { $0.status == 201 }.count == 1, "\(replies.map(\.status))")
        let refused = replies.filter { $0.status != 201 }
        #expect(refused.allSatisfy { $0.status == 400 && $0.errors == [ErrorBody.Item(message: "Ticket is already reserved", field: "ticketId")] },
                "\(refused.map(\.body))")
        let orders = try await harness.database.query(
            "SELECT count(*)::int8 FROM orders.orders WHERE ticket_id = \(UUID(uuidString: ticket)!)").decodeColumn(Int.self)
        #expect(orders == [1])
        #expect(try await harness.outboxed(OrderCreated.type) == 1)
        #expect(contention.batchesContended >= 1, "no change ever waited for another's lock: nothing was contended")
        for copy in copies { try await copy.stop() }
        await harness.close()
    }
    @Test("a ticket's ten versions published at once in shuffled order, updates before the creation, to two copies of four loops: the replica ends at the newest")
    func replicaEndsAtNewest() async throws {
        let harness = try await ServiceHarness.make()
        let definition = try OrdersService.definition(
            configuration: harness.configuration(), orderTTL: .seconds(900),
            reconcileInterval: .seconds(60), expiryGrace: .seconds(60), environment: [:])
        let contention = Contention(database: harness.database)
        var copies: [RunningWorker] = []
        for name in ["orders-1", "orders-2"] {
            copies.append(try await harness.start(definition, consumer: name, hooks: contention.hooks) {
                $0.concurrency = 4
                $0.batchSize = 1
                $0.databasePoolSize = 6
            })
        }
        let ticket = RecordID.make(), owner = RecordID.make()
        var sent: [Envelope] = []
        for version in [9, 3, 7, 1, 8, 2, 6, 4, 5] {
            sent.append(try await harness.publish(TicketUpdated(
                id: ticket, title: "v\(version)", priceCents: 100 * version, userId: owner, orderId: nil, version: version)))
        }
        sent.append(try await harness.publish(TicketCreated(id: ticket, title: "v0", priceCents: 0, userId: owner, version: 0)))
        try await harness.awaitHandled(sent, by: "orders", timeout: .seconds(60))

        let replica = try #require(try await OrdersFixture(harness: harness).replica(ticket))
        #expect(replica.title == "v9" && replica.priceCents == 900 && replica.version == 9)
        #expect(contention.batchesContended >= 1, "no change ever waited for another's lock: nothing was contended")
        for stream in [EventName.ticketCreated, .ticketUpdated] {
            #expect(try await harness.deadLetters(of: harness.keys.events(stream)) == 0)
        }
        for copy in copies { try await copy.stop() }
        await harness.close()
    }
}
