import Contracts
import FleetTestSupport
import Foundation
import RedisClient
import Testing
import TicketsService
import WorkerRuntime

/// Two copies of the tickets worker with four consumer loops each, one message per batch, each
/// batch holding its transaction open until another waits for its lock: changes to one ticket
/// wait on its row lock.
@Suite("tickets under contention", .timeLimit(.minutes(3)))
struct ContendedTicketTests {
    @Test("owner edits racing reservations and releases across two copies of four loops: every change gets a version of its own, 1, 2, 3… with none lost")
    func versionsStrictlyIncrease() async throws {
        let harness = try await ServiceHarness.make()
        let definition = try TicketsService.definition(configuration: harness.configuration())
        let contention = Contention(database: harness.database)
        var copies: [RunningWorker] = []
        for name in ["tickets-1", "tickets-2"] {
            copies.append(try await harness.start(definition, consumer: name, hooks: contention.hooks) {
                $0.concurrency = 4
                $0.batchSize = 1
                $0.databasePoolSize = 6
                // An order waiting for another's release, or an edit that met a change, is retried.
                $0.maxDeliveries = 200
            })
        }
        let tickets = TicketsFixture(harness: harness, worker: copies[0])
        let owner = RecordID.make()
        let ticket = try await tickets.createdTicket(by: owner)

        // All at once: 30 edits by the owner, and 8 orders, each created and then cancelled.
        var edits: [UUID] = []
        var appends: [RedisCommand] = []
        for index in 0..<30 {
            let envelope = Envelope(
                type: UpdateTicket.type,
                data: MessageCoding.encode(UpdateTicket(ticketId: ticket.id, title: "Edit \(index)", priceCents: 1_000 + index)),
                userID: owner, replyTo: harness.replyStream)
            edits.append(envelope.id)
            var append = RedisCommand("XADD", harness.keys.commands(.tickets), "*")
            for (name, value) in envelope.fields { append.append(contentsOf: [name, value]) }
            appends.append(append)
        }
        for result in try await harness.redis.pipeline(appends) { _ = try result.get() }
        let orders = (0..<8).map { _ in RecordID.make() }
        for order in orders {
            try await tickets.orderCreated(order, ticket: ticket)
            try await tickets.orderCancelled(order, ticket: ticket, version: 1)
        }

        var replies: [CommandReply] = []
        for id in edits { replies.append(try await harness.reply(to: id, timeout: .seconds(60))) }
        let streams = [harness.keys.commands(.tickets), harness.keys.events(.orderCreated), harness.keys.events(.orderCancelled)]
        #expect(try await harness.eventually(timeout: .seconds(60)) {
            for stream in streams {
                let group = try await harness.redis.xinfoGroups(stream).first { $0.name == "tickets" }
                guard group?.lag == 0 && group?.pending == 0 else { return false }
            }
            return true
        })

        // Every change the service committed, as it announced them (the outbox is empty once
        // all is published), each event once whatever number of times it went out.
        #expect(try await harness.eventually {
            try await harness.database.query("SELECT count(*)::int8 FROM messaging.outbox").decodeColumn(Int.self) == [0]
        })
        var announced: [String: TicketUpdated] = [:]
        for entry in try await harness.redis.xrange(harness.keys.events(.ticketUpdated)) {
            guard let id = entry[EnvelopeField.id], let data = entry[EnvelopeField.data] else { continue }
            announced[id] = try MessageCoding.decode(TicketUpdated.self, from: data)
        }
        let committed = announced.values.filter { $0.id == ticket.id }
        let stored = try #require(try await tickets.stored(ticket.id))
        #expect(committed.map(\.version).sorted() == Array(1...max(stored.version, 1)), "\(committed.map(\.version).sorted())")
        #expect(stored.orderID == nil)

        let accepted = replies.filter { $0.status == 200 }
        #expect(replies.allSatisfy { $0.status == 200 || $0.errors == [ErrorBody.Item(message: "Cannot edit a reserved ticket")] },
                "\(replies.map(\.body))")
        let reservations = committed.filter { $0.orderId != nil }
        #expect(Set(reservations.compactMap(\.orderId)).count == reservations.count, "an order reserved the ticket twice")
        // Each edit and each reservation and its release is one change: nothing was folded into another.
        #expect(committed.count == accepted.count + 2 * reservations.count)
        let views = try accepted.map { try $0.decode(TicketView.self) }
        #expect(Set(views.map(\.version)).count == views.count)
        if let last = views.max(by: { $0.version < $1.version }) {
            let rows = try await harness.database.query("SELECT title FROM tickets.tickets WHERE id = \(UUID(uuidString: ticket.id)!)")
            #expect(try rows.decodeColumn(String.self) == [last.title], "the newest edit was lost")
        }
        #expect(contention.batchesContended >= 1, "no change ever waited for another's lock: nothing was contended")
        for stream in streams { #expect(try await harness.deadLetters(of: stream) == 0) }
        for copy in copies { try await copy.stop() }
        await harness.close()
    }
}
