import Admin
import API
import Contracts
import FleetTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing

/// A command the service gave up on, made good by an operator's replay (`ticketing-admin dead
/// replay`), by the client sending it again, or both.
@Suite("replayed commands", .timeLimit(.minutes(3)))
struct ReplayedCommandTests {
    static let json = #"{"title":"\#(Responder.flakyTitle)","price":5}"#

    @Test("a given-up command that the client sent again (same Idempotency-Key) and an operator also replayed takes effect once, and its poll answers that one outcome")
    func resentAndReplayed() async throws {
        try await APITestHarness.with(commandTimeout: .milliseconds(100)) { harness, client in
            let (token, _) = try await client.signUp()
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "flaky-1"]
            let location = try await Self.givenUp(client, token: token, headers: key, harness: harness)

            harness.responder.heal()
            _ = try await client.send(.post, "/api/tickets", json: Self.json, token: token, headers: key)
            #expect(try await harness.services.eventually(timeout: .seconds(20)) {
                try await client.send(.get, location, token: token).status == .created
            })
            let outcome = try await client.send(.get, location, token: token)

            let admin = Admin(keys: harness.services.keys, redis: harness.services.redis)
            let letter = try #require(try await admin.deadLetters().letters.first)
            #expect(letter.messageID == location.split(separator: "/").last.map(String.init))
            #expect(try await admin.replay(letter.id).replayed.count == 1)
            // The replayed copy was read and acknowledged: the re-sent one and the original too.
            let stream = harness.services.keys.commands(.tickets)
            #expect(try await harness.services.eventually(timeout: .seconds(20)) {
                let group = try await harness.services.redis.xinfoGroups(stream).first { $0.name == "responder" }
                return group?.lag == 0 && group?.pending == 0
            })
            #expect(try await harness.services.redis.xlen(stream) >= 3)
            #expect(harness.responder.flakySucceeded == 1)
            let polled = try await client.send(.get, location, token: token)
            #expect(polled.status == .created && polled.text == outcome.text)
            #expect(try await harness.services.redis.xlen(harness.services.keys.dead(stream)) == 0)
        }
    }

    @Test("after an operator replays a command given up on, its poll says pending (not the give-up) until it is handled, then answers the replayed command's outcome")
    func pollAfterReplay() async throws {
        try await APITestHarness.with(commandTimeout: .milliseconds(100)) { harness, client in
            let (token, user) = try await client.signUp()
            let location = try await Self.givenUp(client, token: token, harness: harness)

            // No worker reads commands while the replay lands, so the poll sees it pending.
            try await harness.worker.stop()
            harness.responder.heal()
            let admin = Admin(keys: harness.services.keys, redis: harness.services.redis)
            let letter = try #require(try await admin.deadLetters().letters.first)
            #expect(try await admin.replay(letter.id).replayed.count == 1)
            let pending = try await client.send(.get, location, token: token)
            #expect(pending.status == .accepted, "\(pending.status) \(pending.text)")

            let worker = try await harness.services.start(harness.responder.definition(keys: harness.services.keys))
            #expect(try await harness.services.eventually(timeout: .seconds(20)) {
                try await client.send(.get, location, token: token).status == .created
            })
            let ticket = try await client.send(.get, location, token: token).decode(TicketView.self)
            #expect(ticket.title == Responder.flakyTitle && ticket.userId == user.id)
            #expect(harness.responder.flakySucceeded == 1)
            try await worker.stop()
        }
    }

    /// Sends a flaky command, which answers 202, and waits until its poll says it was given up on; its Location.
    static func givenUp(_ client: some TestClientProtocol, token: String, headers: HTTPFields = [:], harness: APITestHarness) async throws -> String {
        let first = try await client.send(.post, "/api/tickets", json: json, token: token, headers: headers)
        #expect(first.status == .accepted)
        let location = try #require(first.headers[.location])
        let givenUp = try await harness.services.eventually(timeout: .seconds(20)) {
            try await client.send(.get, location, token: token).status == .internalServerError
        }
        #expect(givenUp)
        return location
    }
}
