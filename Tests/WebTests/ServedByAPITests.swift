import API
import Contracts
import FleetTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresClient
import Testing
import WorkerRuntime
@testable import Web

/// The pages as the `api` executable serves them: built into the real API (its session
/// middleware, error middleware and command bus) against real Redis and Postgres, with a
/// stand-in auth service and the read tables filled directly.
@Suite("pages served by the API", .timeLimit(.minutes(2)))
struct ServedByAPITests {
    /// Sign-ups of this address take longer than a short command wait.
    static let slowEmail = "slow-page@example.com"

    static func withAPI(
        commandTimeout: Duration = .seconds(5),
        configure: (inout APIConfiguration) -> Void = { _ in },
        _ test: @Sendable (ServiceHarness, any TestClientProtocol) async throws -> Void
    ) async throws {
        let services = try await ServiceHarness.make()
        var auth = ServiceDefinition(name: "auth-stand-in")
        auth.on(SignUp.type, in: services.keys.commands(.auth)) { message, context in
            let command = try MessageCoding.decode(SignUp.self, from: message.envelope.data)
            if command.email == Self.slowEmail { try await Task.sleep(for: .seconds(1)) }
            context.reply(status: 201, UserView(id: RecordID.make(), email: command.email))
        }
        auth.on(SignIn.type, in: services.keys.commands(.auth)) { _, context in
            context.reject(status: 400, "Invalid credentials")
        }
        let worker = try await services.start(auth)
        var configuration = APIConfiguration()
        configuration.redisURL = services.redisURL
        configuration.databaseURL = services.databaseURL
        configuration.keyPrefix = services.keys.prefix
        configuration.jwtKey = "web-test-signing-key-that-is-long-enough-0123"
        configuration.instance = "web-\(UUID().uuidString.prefix(8).lowercased())"
        configuration.replyBlock = .milliseconds(200)
        configuration.commandTimeout = commandTimeout
        configure(&configuration)
        var logger = Logger(label: "web-test")
        logger.logLevel = .warning
        do {
            let app = try await buildApplication(configuration: configuration, logger: logger) { router, services in
                try await WebPages.addRoutes(to: router, services: services)
            }
            try await app.test(.router) { client in try await test(services, client) }
        } catch {
            try? await worker.stop()
            await services.close()
            throw error
        }
        try? await worker.stop()
        await services.close()
    }

    @Test("the sign-in page keeps the API's per-account limit: the form again with a friendly 429 and Retry-After")
    func signInLimited() async throws {
        try await Self.withAPI(configure: {
            $0.limits.signInPerAccount = .init(2, per: .seconds(60))
            $0.limits.signInBackoffBase = .zero
        }) { _, client in
            let browser = Browser()
            let fields = ["email": "page@example.com", "password": "wrong-password"]
            for _ in 0..<2 {
                #expect(try await browser.submit(client, from: "/auth/signin", to: "/auth/signin", fields).status == .badRequest)
            }
            let limited = try await browser.submit(client, from: "/auth/signin", to: "/auth/signin", fields)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter].flatMap { Int($0) }.map { $0 >= 1 } == true)
            #expect(limited.text.contains("Too many attempts"), "\(limited.text)")
            #expect(limited.text.contains("<form"))
        }
    }

    @Test("pages carry the API's security headers too: nosniff, and HSTS when cookies are Secure")
    func pageSecurityHeaders() async throws {
        try await Self.withAPI(configure: { $0.cookieSecure = true }) { _, client in
            for path in ["/auth/signin", "/no-such-page"] {
                let page = try await client.execute(uri: path, method: .get)
                #expect(page.headers[.strictTransportSecurity]?.hasPrefix("max-age=") == true, "\(path)")
                #expect(page.headers[.xContentTypeOptions] == "nosniff", "\(path)")
                #expect(page.headers[.cacheControl] == "no-store", "\(path)")
            }
        }
    }

    @Test("signing up on the page sets the API's own session: the pages and /api/users/currentuser both know the user; /api stays JSON")
    func sharedSession() async throws {
        try await Self.withAPI { _, client in
            let browser = Browser()
            let done = try await browser.submit(client, from: "/auth/signup", to: "/auth/signup", ["email": "page@example.com", "password": "password123"])
            #expect(done.status == .seeOther)
            let token = try #require(browser.cookie("session"))
            #expect(token.split(separator: ".").count == 3, "a JWT, as the API signs")
            let home = try await browser.send(client, .get, "/")
            #expect(home.text.contains("page@example.com"))
            let current = try await browser.send(client, .get, "/api/users/currentuser")
            #expect(current.text.contains(#""email":"page@example.com""#))

            let missing = try await client.execute(uri: "/api/no-such-thing", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/json; charset=utf-8")
            let page = try await client.execute(uri: "/no-such-page", method: .get)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
        }
    }

    @Test("signing out on the page revokes the session's token: a copy of it is no session any more")
    func pageSignOutRevokes() async throws {
        try await Self.withAPI { _, client in
            let browser = Browser()
            _ = try await browser.submit(client, from: "/auth/signup", to: "/auth/signup", ["email": "leaving@example.com", "password": "password123"])
            let token = try #require(browser.cookie("session"))
            let copy: HTTPFields = [.authorization: "Bearer \(token)"]
            #expect(try await client.execute(uri: "/api/users/currentuser", method: .get, headers: copy).text.contains("leaving@example.com"))
            let out = try await browser.submit(client, from: "/", to: "/auth/signout", [:])
            #expect(out.status == .seeOther)
            #expect(browser.cookie("session") == nil)
            #expect(try await client.execute(uri: "/api/users/currentuser", method: .get, headers: copy).text == #"{"currentUser":null}"#)
        }
    }

    @Test("a slow sign-up's still-working page follows it to a session only in the browser that sent it (its poll key cookie)")
    func slowSignUpFollowedBySender() async throws {
        try await Self.withAPI(commandTimeout: .milliseconds(200)) { services, client in
            let browser = Browser()
            let sent = try await browser.submit(client, from: "/auth/signup", to: "/auth/signup", ["email": Self.slowEmail, "password": "password123"])
            #expect(sent.status == .seeOther)
            let location = try #require(sent.headers[.location])
            #expect(location.hasPrefix("/working/"))
            let path = String(location.prefix { $0 != "?" })
            let line = try #require(sent.headers[values: .setCookie].first { $0.hasPrefix("\(PollKey.cookieName)=") })
            #expect(line.contains("Path=\(path)") && line.contains("HttpOnly") && line.contains("SameSite=Strict"), "\(line)")
            #expect(browser.cookie("session") == nil)

            let id = try #require(UUID(uuidString: String(path.dropFirst("/working/".count))))
            #expect(try await services.eventually(timeout: .seconds(20)) { try await services.handled(id, by: "auth-stand-in") })
            let stranger = Browser()
            let refused = try await stranger.send(client, .get, location)
            #expect(refused.status == .notFound)
            #expect(stranger.cookie("session") == nil)

            let followed = try await browser.send(client, .get, location)
            #expect(followed.status == .seeOther)
            #expect(browser.cookie("session") != nil)
            #expect(browser.cookie(PollKey.cookieName) == nil, "spent, and cleared")
        }
    }

    // The reader wakes a ticket's watchers on its ticket:updated, and every watcher once a read
    // round (≤ 2 s); either way the stream checks the table, so this pins the stream and the
    // reader running in the API, and LiveTests pins which record an event names.
    @Test("the ticket page's live stream, fed by the API's reader of the event streams, says 'changed' once the ticket moved on")
    func liveTicket() async throws {
        try await Self.withAPI { services, client in
            let database = services.database
            try await database.query("CREATE SCHEMA tickets")
            try await database.query("""
                CREATE TABLE tickets.tickets (id uuid PRIMARY KEY, title text NOT NULL, price_cents int8 NOT NULL,
                    user_id uuid NOT NULL, order_id uuid, version int NOT NULL DEFAULT 0,
                    created_at timestamptz NOT NULL DEFAULT now())
                """)
            let id = UUID(), order = UUID()
            try await database.query("INSERT INTO tickets.tickets (id, title, price_cents, user_id) VALUES (\(id), 'Gig', 1000, \(UUID()))")
            let page = try await client.execute(uri: "/tickets/\(id.uuidString.lowercased())", method: .get)
            #expect(page.text.contains(#"data-live="/live/tickets/\#(id.uuidString.lowercased())?version=0""#))

            async let stream = client.execute(uri: "/live/tickets/\(id.uuidString.lowercased())?version=0", method: .get)
            try await Task.sleep(for: .milliseconds(500))
            try await database.query("UPDATE tickets.tickets SET order_id = \(order), version = 1 WHERE id = \(id)")
            try await services.publish(TicketUpdated(
                id: id.uuidString.lowercased(), title: "Gig", priceCents: 1000, userId: RecordID.make(),
                orderId: order.uuidString.lowercased(), version: 1))
            let response = try await stream
            #expect(response.headers[.contentType] == "text/event-stream")
            #expect(response.text.contains("event: changed"))
        }
    }
}
