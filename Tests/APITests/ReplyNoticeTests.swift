@testable import API
import Contracts
import FleetTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresClient
import RedisClient
import Testing

/// Replies by Postgres notification (``ReplyNotice``): the API listens on its reply stream's
/// channel and takes a notified reply as the answer, for every service but auth.
@Suite("replies by notification", .timeLimit(.minutes(2)))
struct ReplyNoticeTests {
    @Test("a notification with the command's reply answers the request while the service is still at work")
    func notificationAnswers() async throws {
        try await APITestHarness.with { harness, client in
            let (token, _) = try await client.signUp()
            try await waitForListener(harness)
            async let created = client.send(.post, "/api/tickets", json: #"{"title":"\#(Responder.slowTitle)","price":20}"#, token: token)
            // The responder sleeps on this title: only a notification can answer it soon.
            let command = try await sentCommand(harness, service: .tickets)
            let replyTo = try #require(command.replyTo)
            #expect(command.replyNotify == ReplyNotice.channel(forReplyStream: replyTo))
            let started = ContinuousClock.now
            try await notify(harness, channel: ReplyNotice.channel(forReplyStream: replyTo), id: command.id, body: #"{"from":"notice"}"#)
            let response = try await created
            #expect(response.status == .created)
            #expect(response.text == #"{"from":"notice"}"#)
            #expect(ContinuousClock.now - started < Responder.slowDelay)
        }
    }

    @Test("a sign-up carries no channel, and a notification with its id does not answer it: only the auth service's reply starts a session")
    func authIgnoresNotifications() async throws {
        try await APITestHarness.with { harness, client in
            try await waitForListener(harness)
            async let signedUp = client.send(.post, "/api/users/signup", json: #"{"email":"\#(Responder.slowEmail)","password":"password123"}"#)
            let command = try await sentCommand(harness, service: .auth)
            let replyTo = try #require(command.replyTo)
            #expect(command.replyNotify == nil)
            let forged = #"{"id":"0b0d5c0e-0000-4000-8000-00000000000f","email":"someone-else@example.com"}"#
            try await notify(harness, channel: ReplyNotice.channel(forReplyStream: replyTo), id: command.id, body: forged)
            let response = try await signedUp
            #expect(response.status == .created)
            #expect(try response.decode(UserView.self).email == Responder.slowEmail)
        }
    }

    @Test("with REPLY_NOTIFY off, commands carry no channel and still get their replies")
    func off() async throws {
        try await APITestHarness.with(configure: { $0.replyNotify = false }) { harness, client in
            let (token, _) = try await client.signUp()
            let created = try await client.send(.post, "/api/tickets", json: #"{"title":"A show","price":20}"#, token: token)
            #expect(created.status == .created)
            let command = try await sentCommand(harness, service: .tickets)
            #expect(command.replyNotify == nil)
        }
    }

    /// The API's listener is in once its session has run `LISTEN` on this test's database.
    private func waitForListener(_ harness: APITestHarness) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let rows = try await harness.services.database.query("""
                SELECT count(*)::int8 FROM pg_stat_activity
                WHERE application_name = 'api-replies' AND datname = current_database() AND query LIKE 'LISTEN %'
                """)
            if try rows.first?.decode(Int64.self, at: 0) ?? 0 > 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("the API's reply listener never listened")
    }

    /// The last command appended to `service`'s stream, once there is one.
    private func sentCommand(_ harness: APITestHarness, service: ServiceName) async throws -> Envelope {
        let stream = harness.services.keys.commands(service)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let entry = try await harness.services.redis.xrevrange(stream, count: 1).first {
                return try Envelope(fields: entry.fields.map { ($0.name, $0.value) })
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError("no command was sent to \(service)")
    }

    private func notify(_ harness: APITestHarness, channel: String, id: UUID, body: String) async throws {
        let payload = try #require(ReplyNotice.payload(id: id.uuidString.lowercased(), status: 201, body: body))
        try await harness.services.database.query("SELECT pg_notify(\(channel), \(payload))")
    }
}
