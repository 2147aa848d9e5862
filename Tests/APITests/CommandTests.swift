import API
import Contracts
import FleetTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import RedisClient
import Testing

@Suite("commands", .timeLimit(.minutes(3)))
struct CommandTests {
    static let id = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"

    @Test("each route sends its command with the user from the token and passes the reply through")
    func routesPassRepliesThrough() async throws {
        try await APITestHarness.with { harness, client in
            let (token, user) = try await client.signUp()
            let created = try await client.send(.post, "/api/tickets", json: #"{"title":"A show","price":20,"userId":"someone-else"}"#, token: token)
            #expect(created.status == .created)
            let ticket = try created.decode(TicketView.self)
            #expect(ticket.userId == user.id)
            let updated = try await client.send(.put, "/api/tickets/\(ticket.id)", json: #"{"title":"A better show","price":25.5}"#, token: token)
            #expect(updated.status == .ok)
            #expect(try updated.decode(TicketView.self).price == 25.5)
            let order = try await client.send(.post, "/api/orders", json: #"{"ticketId":"\#(ticket.id)"}"#, token: token)
            #expect(order.status == .created)
            #expect(try order.decode(OrderView.self).ticket.id == ticket.id)
            let cancelled = try await client.send(.delete, "/api/orders/\(Self.id)", token: token)
            #expect(cancelled.status == .noContent)
            #expect(cancelled.body.readableBytes == 0)
            let paid = try await client.send(.post, "/api/payments", json: #"{"orderId":"\#(Self.id)","token":"tok_visa"}"#, token: token)
            #expect(paid.status == .created)
            let declined = try await client.send(.post, "/api/payments", json: #"{"orderId":"\#(Self.id)","token":"tok_chargeDeclined"}"#, token: token)
            #expect(declined.status.code == 402)
            #expect(declined.errors.first?.message == "Your card was declined")

            let acting = harness.responder.handled.filter { $0.type != SignUp.type }
            #expect(acting.count == 6)
            #expect(acting.allSatisfy { $0.userID == user.id })
            #expect(harness.responder.handled.first { $0.type == SignUp.type }?.userID == nil)
        }
    }

    @Test("a reply slower than the wait answers 202 with a Location, which then gives the outcome")
    func timeOutThenPoll() async throws {
        try await APITestHarness.with(commandTimeout: .milliseconds(300)) { harness, client in
            let (token, user) = try await client.signUp()
            let response = try await client.send(.post, "/api/tickets", json: #"{"title":"\#(Responder.slowTitle)","price":5}"#, token: token)
            #expect(response.status == .accepted)
            let location = try #require(response.headers[.location])
            #expect(location.hasPrefix("/api/commands/"))

            let early = try await client.send(.get, location, token: token)
            #expect(early.status == .accepted)

            let answered = try await harness.services.eventually(timeout: .seconds(20)) {
                try await client.send(.get, location, token: token).status == .created
            }
            #expect(answered)
            let outcome = try await client.send(.get, location, token: token)
            let ticket = try outcome.decode(TicketView.self)
            #expect(ticket.title == Responder.slowTitle)
            #expect(ticket.userId == user.id)
        }
    }

    @Test("a command answered 202 by one API copy is polled to its outcome on another copy")
    func pollOnAnotherCopy() async throws {
        try await APITestHarness.with(commandTimeout: .milliseconds(300)) { harness, first in
            let (token, _) = try await first.signUp()
            let response = try await first.send(.post, "/api/tickets", json: #"{"title":"\#(Responder.slowTitle)","price":5}"#, token: token)
            #expect(response.status == .accepted)
            let location = try #require(response.headers[.location])
            // A second copy: its own reply stream, nothing shared with the first but Redis and Postgres.
            try await harness.run(harness.configuration()) { second in
                let answered = try await harness.services.eventually(timeout: .seconds(20)) {
                    try await second.send(.get, location, token: token).status == .created
                }
                #expect(answered)
                #expect(try await second.send(.get, location, token: token).decode(TicketView.self).title == Responder.slowTitle)
                // Another user asking the second copy is told there is no such command.
                let (stranger, _) = try await second.signUp()
                #expect(try await second.send(.get, location, token: stranger).status == .notFound)
            }
        }
    }

    @Test("a command answered within the wait leaves no key in Redis; one answered 202 is remembered for a day, for its poll")
    func commandKeysOnlyForPending() async throws {
        try await APITestHarness.with { harness, client in
            let (token, _) = try await client.signUp()
            let fast = try await client.send(.post, "/api/tickets", json: #"{"title":"A show","price":5}"#, token: token)
            #expect(fast.status == .created)
            #expect(try await harness.services.redis.scanAll(matching: harness.services.keys.commandOwner("*")).isEmpty)
        }
        try await APITestHarness.with(commandTimeout: .milliseconds(300)) { harness, client in
            let (token, _) = try await client.signUp()
            let slow = try await client.send(.post, "/api/tickets", json: #"{"title":"\#(Responder.slowTitle)","price":5}"#, token: token)
            #expect(slow.status == .accepted)
            let pendingID = try #require(slow.headers[.location]?.split(separator: "/").last.map(String.init))
            let owners = try await harness.services.redis.scanAll(matching: harness.services.keys.commandOwner("*"))
            #expect(owners.contains(harness.services.keys.commandOwner(pendingID)), "the 202 is remembered for its poll")
            let lifetime = try await harness.services.redis.send(RedisCommand("TTL", harness.services.keys.commandOwner(pendingID))).asInt()
            #expect(lifetime > KeySpace.commandKeyLifetimeSeconds - 60 && lifetime <= KeySpace.commandKeyLifetimeSeconds)
        }
    }

    @Test("a command the service gives up on answers 500 in the error shape, to the request and to a poll; its key sends it again")
    func givenUpCommand() async throws {
        try await APITestHarness.with { harness, client in
            let (token, _) = try await client.signUp()
            let json = #"{"title":"\#(Responder.doomedTitle)","price":5}"#
            let waited = try await client.send(.post, "/api/tickets", json: json, token: token)
            #expect(waited.status == .internalServerError)
            #expect(waited.text == GivenUpCommand.body)
            #expect(waited.errors.first?.message.contains("set it aside for an operator") == true)
            #expect(harness.responder.count(CreateTicket.type) == 3)  // MAX_DELIVERIES tries, then given up
        }
        try await APITestHarness.with(commandTimeout: .milliseconds(100)) { harness, client in
            let (token, _) = try await client.signUp()
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "doomed-1"]
            let json = #"{"title":"\#(Responder.doomedTitle)","price":5}"#
            let first = try await client.send(.post, "/api/tickets", json: json, token: token, headers: key)
            #expect(first.status == .accepted)
            let location = try #require(first.headers[.location])
            let givenUp = try await harness.services.eventually(timeout: .seconds(20)) {
                try await client.send(.get, location, token: token).status == .internalServerError
            }
            #expect(givenUp)
            let polled = try await client.send(.get, location, token: token)
            #expect(polled.text == GivenUpCommand.body)

            // The same key sends it again: pending anew, tried again, and given up on again.
            let again = try await client.send(.post, "/api/tickets", json: json, token: token, headers: key)
            #expect(again.status == .accepted)
            #expect(again.headers[.location] == location)
            let triedAgain = try await harness.services.eventually(timeout: .seconds(20)) {
                harness.responder.count(CreateTicket.type) == 6
            }
            #expect(triedAgain)
        }
    }

    @Test("another user's command, or an unknown one, is 404 when polled")
    func othersCommands() async throws {
        try await APITestHarness.with(commandTimeout: .milliseconds(300)) { harness, client in
            let (owner, _) = try await client.signUp()
            let (stranger, _) = try await client.signUp()
            let response = try await client.send(.post, "/api/tickets", json: #"{"title":"\#(Responder.slowTitle)","price":5}"#, token: owner)
            let location = try #require(response.headers[.location])
            _ = try await harness.services.eventually(timeout: .seconds(20)) {
                try await client.send(.get, location, token: owner).status == .created
            }
            let theirs = try await client.send(.get, location, token: stranger)
            #expect(theirs.status == .notFound)
            #expect(theirs.errors.count == 1)
            let anonymous = try await client.send(.get, location)
            #expect(anonymous.status == .notFound)
            let unknown = try await client.send(.get, "/api/commands/\(UUID().uuidString.lowercased())", token: owner)
            #expect(unknown.status == .notFound)
        }
    }

    @Test("the same Idempotency-Key twice is handled once and answers the same body")
    func idempotencyKey() async throws {
        try await APITestHarness.with { harness, client in
            let (token, _) = try await client.signUp()
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "buy-ticket-1"]
            let json = #"{"title":"Once only","price":12}"#
            let first = try await client.send(.post, "/api/tickets", json: json, token: token, headers: key)
            let second = try await client.send(.post, "/api/tickets", json: json, token: token, headers: key)
            #expect(first.status == .created)
            #expect(second.status == .created)
            #expect(first.text == second.text)
            #expect(harness.responder.count(CreateTicket.type) == 1)

            // Another key is another command.
            let other: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "buy-ticket-2"]
            let third = try await client.send(.post, "/api/tickets", json: json, token: token, headers: other)
            #expect(third.text != first.text)
            #expect(harness.responder.count(CreateTicket.type) == 2)
        }
    }

    @Test("a retry with the same Idempotency-Key while the first is still pending gets its outcome, handled once")
    func idempotencyKeyWhilePending() async throws {
        try await APITestHarness.with(commandTimeout: .milliseconds(300)) { harness, client in
            let (token, _) = try await client.signUp()
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "slow-one"]
            let json = #"{"title":"\#(Responder.slowTitle)","price":5}"#
            let first = try await client.send(.post, "/api/tickets", json: json, token: token, headers: key)
            #expect(first.status == .accepted)
            let answered = try await harness.services.eventually(timeout: .seconds(20)) {
                try await client.send(.post, "/api/tickets", json: json, token: token, headers: key).status == .created
            }
            #expect(answered)
            let polled = try await client.send(.get, try #require(first.headers[.location]), token: token)
            let retried = try await client.send(.post, "/api/tickets", json: json, token: token, headers: key)
            #expect(polled.text == retried.text)
            #expect(harness.responder.count(CreateTicket.type) == 1)
        }
    }

    @Test("two users with the same Idempotency-Key make two commands")
    func idempotencyKeyIsPerUser() async throws {
        try await APITestHarness.with { harness, client in
            let (alice, _) = try await client.signUp()
            let (bob, _) = try await client.signUp()
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "same-key"]
            let json = #"{"title":"Mine","price":12}"#
            let first = try await client.send(.post, "/api/tickets", json: json, token: alice, headers: key)
            let second = try await client.send(.post, "/api/tickets", json: json, token: bob, headers: key)
            #expect(try first.decode(TicketView.self).id != second.decode(TicketView.self).id)
            #expect(harness.responder.count(CreateTicket.type) == 2)
        }
    }

    @Test("an Idempotency-Key that is empty or too long is a 400 naming the header")
    func badIdempotencyKey() async throws {
        try await APITestHarness.with { _, client in
            let (token, _) = try await client.signUp()
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: String(repeating: "k", count: 300)]
            let response = try await client.send(.post, "/api/tickets", json: #"{"title":"x","price":1}"#, token: token, headers: key)
            #expect(response.status == .badRequest)
            #expect(response.fields == ["Idempotency-Key"])
        }
    }
}
