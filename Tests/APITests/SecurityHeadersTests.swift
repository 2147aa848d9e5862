import API
import Contracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("security headers", .timeLimit(.minutes(3)))
struct SecurityHeadersTests {
    @Test("nosniff, a Referrer-Policy and no-store on personal answers, successes and errors alike; no HSTS over plain HTTP")
    func headers() async throws {
        try await APITestHarness.with { harness, client in
            try await ReadTests.createTables(harness.services.database)
            let (token, _) = try await client.signUp()
            let responses: [(String, TestResponse)] = [
                ("current user", try await client.send(.get, "/api/users/currentuser", token: token)),
                ("orders", try await client.send(.get, "/api/orders", token: token)),
                ("401", try await client.send(.get, "/api/orders")),
                ("400", try await client.send(.post, "/api/users/signin", json: "{}")),
                ("415", try await client.send(.post, "/api/users/signin", headers: [.contentType: "text/plain"])),
                ("404", try await client.send(.get, "/api/no-such-thing")),
                ("command", try await client.send(.get, "/api/commands/\(CommandTests.id)", token: token)),
            ]
            for (name, response) in responses {
                #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(name)")
                #expect(response.headers[.referrerPolicy] == "strict-origin-when-cross-origin", "\(name)")
                #expect(response.headers[.cacheControl] == "no-store", "\(name)")
                #expect(response.headers[.strictTransportSecurity] == nil, "\(name)")
            }
            let tickets = try await client.send(.get, "/api/tickets")
            #expect(tickets.status == .ok)
            #expect(tickets.headers[.xContentTypeOptions] == "nosniff")
            let health = try await client.send(.get, "/healthz")
            #expect(health.headers[.xContentTypeOptions] == "nosniff")
        }
    }

    @Test("HSTS when cookies are Secure, on errors too")
    func strictTransport() async throws {
        try await APITestHarness.with(configure: { $0.cookieSecure = true }) { _, client in
            for response in [try await client.send(.get, "/api/users/currentuser"), try await client.send(.get, "/api/orders"),
                             try await client.send(.get, "/healthz")] {
                #expect(response.headers[.strictTransportSecurity]?.hasPrefix("max-age=") == true)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
            }
        }
    }
}
