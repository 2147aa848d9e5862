import Contracts
import FleetTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("tickets: create and update", .timeLimit(.minutes(2)))
struct TicketCommandTests {
    @Test("creating a ticket answers 201 with it and announces ticket:created at version 0")
    func createTicket() async throws {
        let tickets = try await TicketsFixture.start()
        let user = RecordID.make()
        let reply = try await tickets.create("  Rock concert ", priceCents: 1_999, by: user)
        #expect(reply.status == 201)
        let ticket = try reply.decode(TicketView.self)
        #expect(ticket.title == "Rock concert")
        #expect(ticket.price == 19.99)
        #expect(ticket.userId == user)
        #expect(ticket.version == 0)
        #expect(ticket.orderId == nil)
        #expect(RecordID.normalize(ticket.id) == ticket.id)

        #expect(try await tickets.harness.eventually { try await tickets.harness.events(TicketCreated.self).count == 1 })
        let events = try await tickets.harness.events(TicketCreated.self)
        #expect(json(events) == json([TicketCreated(id: ticket.id, title: "Rock concert", priceCents: 1_999, userId: user, version: 0)]))
        try await tickets.stop()
    }

    @Test("an invalid title or price is refused with 400 naming the field, and nothing is created")
    func invalidInputRefused() async throws {
        let tickets = try await TicketsFixture.start()
        let user = RecordID.make()
        let cases: [(title: String, cents: Int, fields: [String])] = [
            ("   ", 1_000, ["title"]),
            (String(repeating: "t", count: 201), 1_000, ["title"]),
            ("Concert", 0, ["price"]),
            ("Concert", -5, ["price"]),
            ("Concert", Money.maximumCents + 1, ["price"]),
            ("", 0, ["title", "price"]),
        ]
        for (title, cents, fields) in cases {
            let reply = try await tickets.create(title, priceCents: cents, by: user)
            #expect(reply.status == 400, "\(title.prefix(10)) \(cents)")
            #expect(reply.errors.map(\.field) == fields, "\(title.prefix(10)) \(cents)")
        }
        #expect(try await tickets.create(String(repeating: "t", count: 200), priceCents: Money.maximumCents, by: user).status == 201)
        let count = try await tickets.harness.database.query("SELECT count(*) FROM tickets.tickets").decodeColumn(Int.self)
        #expect(count == [1])
        try await tickets.stop()
    }

    @Test("creating a ticket with no authenticated user answers 401")
    func createWithoutUser() async throws {
        let tickets = try await TicketsFixture.start()
        let reply = try await tickets.create(by: nil)
        #expect(reply.status == 401)
        #expect(reply.errors == [ErrorBody.Item(message: "Not authorized")])
        let count = try await tickets.harness.database.query("SELECT count(*) FROM tickets.tickets").decodeColumn(Int.self)
        #expect(count == [0])
        try await tickets.stop()
    }

    @Test("the owner's update answers 200 and announces ticket:updated at version 1")
    func ownerUpdates() async throws {
        let tickets = try await TicketsFixture.start()
        let owner = RecordID.make()
        let ticket = try await tickets.createdTicket(by: owner)
        let reply = try await tickets.update(ticket.id, title: "Jazz night", priceCents: 4_250, by: owner)
        #expect(reply.status == 200)
        let updated = try reply.decode(TicketView.self)
        #expect(updated == TicketView(id: ticket.id, title: "Jazz night", priceCents: 4_250, userId: owner, version: 1, orderId: nil))
        let events = try await tickets.awaitUpdates(of: ticket.id, count: 1)
        #expect(json(events) == json([TicketUpdated(id: ticket.id, title: "Jazz night", priceCents: 4_250, userId: owner, orderId: nil, version: 1)]))
        try await tickets.stop()
    }

    @Test("someone else's update answers 403 and changes nothing")
    func strangerCannotUpdate() async throws {
        let tickets = try await TicketsFixture.start()
        let ticket = try await tickets.createdTicket(by: RecordID.make())
        let reply = try await tickets.update(ticket.id, by: RecordID.make())
        #expect(reply.status == 403)
        #expect(try await tickets.stored(ticket.id)?.version == 0)
        #expect(try await tickets.update(ticket.id, by: nil).status == 401)
        #expect(try await tickets.harness.outboxed(TicketUpdated.type) == 0)
        try await tickets.stop()
    }

    @Test("updating a ticket that does not exist answers 404; an id that is no UUID answers 400 on ticketId")
    func unknownTicket() async throws {
        let tickets = try await TicketsFixture.start()
        let user = RecordID.make()
        let missing = try await tickets.update(RecordID.make(), by: user)
        #expect(missing.status == 404)
        #expect(missing.errors == [ErrorBody.Item(message: "Ticket not found")])
        let malformed = try await tickets.update("not-a-uuid", by: user)
        #expect(malformed.status == 400)
        #expect(malformed.errors.map(\.field) == ["ticketId"])
        try await tickets.stop()
    }

    @Test("a command delivered twice creates one ticket and gets the same reply both times")
    func duplicateDeliveryHasOneEffect() async throws {
        let tickets = try await TicketsFixture.start()
        let harness = tickets.harness
        let id = UUID()
        let command = CreateTicket(title: "Opera", priceCents: 9_900)
        let first = try await harness.send(command, userID: RecordID.make(), id: id)
        #expect(first.status == 201)
        // The same entry again, as a retrying API or a redelivery would bring it.
        let again = Envelope(
            id: id, type: CreateTicket.type, data: MessageCoding.encode(command),
            correlationID: id.uuidString.lowercased(), userID: RecordID.make(), replyTo: harness.replyStream)
        try await harness.redis.xadd(harness.keys.commands(.tickets), fields: again.fields)

        let wanted = id.uuidString.lowercased()
        #expect(try await harness.eventually {
            try await harness.redis.xrange(harness.replyStream).filter { $0[EnvelopeField.id] == wanted }.count == 2
        })
        let replies = try await harness.redis.xrange(harness.replyStream).filter { $0[EnvelopeField.id] == wanted }
        #expect(replies.map { $0["status"] } == ["201", "201"])
        #expect(replies[0]["body"] == first.body && replies[1]["body"] == first.body)
        let count = try await harness.database.query("SELECT count(*) FROM tickets.tickets").decodeColumn(Int.self)
        #expect(count == [1])
        // Both replies came after their commits, so the outbox holds every event there will be.
        #expect(try await harness.outboxed(TicketCreated.type) == 1)
        #expect(try await harness.eventually { try await harness.events(TicketCreated.self).count == 1 })
        try await tickets.stop()
    }
}
