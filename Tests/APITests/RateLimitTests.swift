import API
import Contracts
import FleetTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import RedisClient
import Testing

@Suite("rate limits", .timeLimit(.minutes(3)))
struct RateLimitTests {
    static let wrong = #"{"email":"guess@example.com","password":"wrong-password"}"#

    static func signIn(_ email: String, _ password: String = "wrong-password") -> String {
        #"{"email":"\#(email)","password":"\#(password)"}"#
    }

    /// Only the rules a test names are on.
    static func only(_ configuration: inout APIConfiguration, _ set: (inout RateLimits) -> Void) {
        var limits = RateLimits()
        limits.signInPerAccount = .off; limits.signInPerAddress = .off; limits.signUpPerAddress = .off
        limits.ordersPerUser = .off; limits.paymentsPerOrder = .off; limits.paymentsPerUser = .off
        limits.signInBackoffBase = .zero
        set(&limits)
        configuration.limits = limits
    }

    static func expectLimited(_ response: TestResponse, _ comment: Comment? = nil) {
        #expect(response.status == .tooManyRequests, comment)
        #expect(response.errors.count == 1, comment)
        let seconds = response.headers[.retryAfter].flatMap { Int($0) }
        #expect(seconds.map { $0 >= 1 } == true, "Retry-After in whole seconds: \(response.headers[.retryAfter] ?? "none")")
    }

    @Test("sign-in per account answers 429 with Retry-After after N attempts, whatever the email's case; the key holds no email")
    func signInPerAccount() async throws {
        try await APITestHarness.with(configure: { Self.only(&$0) { $0.signInPerAccount = .init(3, per: .seconds(60)) } }) { harness, client in
            for _ in 0..<3 {
                #expect(try await client.send(.post, "/api/users/signin", json: Self.wrong).status == .badRequest)
            }
            Self.expectLimited(try await client.send(.post, "/api/users/signin", json: Self.wrong))
            Self.expectLimited(try await client.send(.post, "/api/users/signin", json: Self.signIn("GUESS@Example.com")))
            #expect(harness.responder.count(SignIn.type) == 3, "a refused attempt never reaches the auth service")
            #expect(try await client.send(.post, "/api/users/signin", json: Self.signIn("other@example.com")).status == .badRequest)

            let keys = try await harness.services.redis.scanAll(matching: "\(harness.services.keys.prefix):limits:*")
            #expect(!keys.isEmpty)
            #expect(keys.allSatisfy { !$0.contains("example") && !$0.contains("guess") }, "\(keys)")
        }
    }

    @Test("a limited client is let in again once it has waited Retry-After")
    func recovers() async throws {
        // A window long enough that a loaded machine's slow first answer still falls inside it.
        try await APITestHarness.with(configure: { Self.only(&$0) { $0.signInPerAccount = .init(1, per: .seconds(15)) } }) { _, client in
            #expect(try await client.send(.post, "/api/users/signin", json: Self.wrong).status == .badRequest)
            let refused = try await client.send(.post, "/api/users/signin", json: Self.wrong)
            Self.expectLimited(refused)
            let seconds = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect(seconds <= 15)
            try await Task.sleep(for: .seconds(seconds) + .milliseconds(50))
            #expect(try await client.send(.post, "/api/users/signin", json: Self.wrong).status == .badRequest)
        }
    }

    @Test("sign-in and sign-up per client address count the socket's peer; X-Forwarded-For is ignored without a trusted proxy")
    func perAddress() async throws {
        try await APITestHarness.with(testing: .live, configure: {
            Self.only(&$0) { $0.signUpPerAddress = .init(2, per: .seconds(60)); $0.signInPerAddress = .init(2, per: .seconds(60)) }
        }) { _, client in
            for index in 0..<2 {
                let response = try await client.send(.post, "/api/users/signup", json: Self.signIn("new\(index)@example.com", "password123"))
                #expect(response.status == .created)
            }
            let forged: HTTPFields = [.xForwardedFor: "198.51.100.\(Int.random(in: 1...250))"]
            Self.expectLimited(try await client.send(.post, "/api/users/signup", json: Self.signIn("new2@example.com", "password123"), headers: forged))

            #expect(try await client.send(.post, "/api/users/signin", json: Self.signIn("a@example.com")).status == .badRequest)
            #expect(try await client.send(.post, "/api/users/signin", json: Self.signIn("b@example.com")).status == .badRequest)
            Self.expectLimited(try await client.send(.post, "/api/users/signin", json: Self.signIn("c@example.com"), headers: forged))
        }
    }

    @Test("behind a trusted proxy, the right-most untrusted X-Forwarded-For hop is the client")
    func trustedProxy() async throws {
        try await APITestHarness.with(testing: .live, configure: {
            $0.trustedProxies = ["127.0.0.1/32", "10.0.0.0/8"]
            Self.only(&$0) { $0.signUpPerAddress = .init(2, per: .seconds(60)) }
        }) { _, client in
            func signUp(_ forwardedFor: String) async throws -> HTTPResponse.Status {
                let email = "u\(UUID().uuidString.prefix(8).lowercased())@example.com"
                return try await client.send(.post, "/api/users/signup", json: Self.signIn(email, "password123"),
                                             headers: [.xForwardedFor: forwardedFor]).status
            }
            let first = try await signUp("203.0.113.1")
            // The client wrote the first hop itself; our own proxy (10.1.2.3) added the second.
            let second = try await signUp("192.0.2.99, 203.0.113.1, 10.1.2.3")
            let third = try await signUp("203.0.113.1")
            let another = try await signUp("203.0.113.2")
            #expect([first, second, third, another] == [.created, .created, .tooManyRequests, .created])
        }
    }

    @Test("two API copies on the same Redis share a limit")
    func sharedAcrossCopies() async throws {
        try await APITestHarness.with(configure: { Self.only(&$0) { $0.signInPerAccount = .init(3, per: .seconds(60)) } }) { harness, first in
            #expect(try await first.send(.post, "/api/users/signin", json: Self.wrong).status == .badRequest)
            #expect(try await first.send(.post, "/api/users/signin", json: Self.wrong).status == .badRequest)
            var configuration = harness.configuration()
            Self.only(&configuration) { $0.signInPerAccount = .init(3, per: .seconds(60)) }
            try await harness.run(configuration) { second in
                #expect(try await second.send(.post, "/api/users/signin", json: Self.wrong).status == .badRequest)
                Self.expectLimited(try await second.send(.post, "/api/users/signin", json: Self.wrong))
            }
            Self.expectLimited(try await first.send(.post, "/api/users/signin", json: Self.wrong))
        }
    }

    @Test("each failed sign-in doubles the account's wait; a success resets it")
    func exponentialBackoff() async throws {
        try await APITestHarness.with(configure: {
            // Waits of whole seconds, long enough that the next attempt of a loaded machine still
            // comes inside them.
            Self.only(&$0) { $0.signInBackoffBase = .seconds(4); $0.signInBackoffMax = .seconds(60) }
        }) { _, client in
            var waits: [Int] = []
            for round in 0..<3 {
                #expect(try await client.send(.post, "/api/users/signin", json: Self.wrong).status == .badRequest, "round \(round)")
                let refused = try await client.send(.post, "/api/users/signin", json: Self.wrong)
                Self.expectLimited(refused, "round \(round)")
                let seconds = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
                waits.append(seconds)
                try await Task.sleep(for: .seconds(seconds) + .milliseconds(100))
            }
            // A whole second may pass between the failure and the refusal on a loaded machine,
            // which rounds the wait one lower; the doubling shows either way.
            #expect(zip(waits, [4, 8, 16]).allSatisfy { wait, full in (full - 1...full).contains(wait) }, "\(waits)")
            #expect(try await client.send(.post, "/api/users/signin", json: Self.signIn("guess@example.com", "right-password")).status == .ok)
            #expect(try await client.send(.post, "/api/users/signin", json: Self.wrong).status == .badRequest)
            let again = try await client.send(.post, "/api/users/signin", json: Self.wrong)
            #expect(again.headers[.retryAfter] == "4", "the success started the count again")
        }
    }

    @Test("orders per user answer 429 after N, for that user only")
    func ordersPerUser() async throws {
        try await APITestHarness.with(configure: { Self.only(&$0) { $0.ordersPerUser = .init(2, per: .seconds(60)) } }) { harness, client in
            let (token, _) = try await client.signUp()
            let order = #"{"ticketId":"\#(CommandTests.id)"}"#
            #expect(try await client.send(.post, "/api/orders", json: order, token: token).status == .created)
            #expect(try await client.send(.post, "/api/orders", json: order, token: token).status == .created)
            Self.expectLimited(try await client.send(.post, "/api/orders", json: order, token: token))
            #expect(harness.responder.count(CreateOrder.type) == 2)
            let (other, _) = try await client.signUp()
            #expect(try await client.send(.post, "/api/orders", json: order, token: other).status == .created)
        }
    }

    @Test("payment attempts are limited per order and per user")
    func paymentsPerOrderAndUser() async throws {
        try await APITestHarness.with(configure: {
            Self.only(&$0) { $0.paymentsPerOrder = .init(2, per: .seconds(60)); $0.paymentsPerUser = .init(3, per: .seconds(60)) }
        }) { harness, client in
            let (token, _) = try await client.signUp()
            func pay(_ order: String) async throws -> TestResponse {
                try await client.send(.post, "/api/payments", json: #"{"orderId":"\#(order)","token":"tok_chargeDeclined"}"#, token: token)
            }
            let (a, b, c) = (UUID().uuidString.lowercased(), UUID().uuidString.lowercased(), UUID().uuidString.lowercased())
            #expect(try await pay(a).status.code == 402)
            #expect(try await pay(a).status.code == 402)
            Self.expectLimited(try await pay(a), "per order")
            #expect(try await pay(b).status.code == 402)
            Self.expectLimited(try await pay(c), "per user")
            #expect(harness.responder.count(CreatePayment.type) == 3)
        }
    }

    @Test("RATE_LIMITS=off lets everything through")
    func off() async throws {
        try await APITestHarness.with(configure: { configuration in
            Self.only(&configuration) { $0.signInPerAccount = .init(1, per: .seconds(60)); $0.signInBackoffBase = .seconds(60) }
            configuration.limits.enabled = false
        }) { _, client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 { statuses.append(try await client.send(.post, "/api/users/signin", json: Self.wrong).status) }
            #expect(statuses == [.badRequest, .badRequest, .badRequest])
        }
    }

    @Test("the environment sets the limits, and bad values are refused by name")
    func environment() throws {
        let defaults = try APIConfiguration.fromEnvironment([:])
        #expect(defaults.limits.enabled)
        #expect(defaults.limits.signInPerAccount.isOn && defaults.limits.ordersPerUser.isOn && defaults.limits.paymentsPerOrder.isOn)
        let set = try APIConfiguration.fromEnvironment([
            "RATE_LIMITS": "off", "LIMIT_SIGNIN_ACCOUNT": "5/60", "LIMIT_ORDERS_USER": "0", "SIGNIN_BACKOFF_BASE_MS": "250",
            "TRUSTED_PROXIES": "10.0.0.0/8, ::1", "PUBLIC_ORIGIN": "https://tickets.example.com/", "METRICS_PORT": "9090",
        ])
        #expect(!set.limits.enabled)
        #expect(set.limits.signInPerAccount == .init(5, per: .seconds(60)))
        #expect(!set.limits.ordersPerUser.isOn)
        #expect(set.limits.signInBackoffBase == .milliseconds(250))
        #expect(set.trustedProxies == ["10.0.0.0/8", "::1"])
        #expect(set.metricsPort == 9090)
        try set.validate()
        #expect { try APIConfiguration.fromEnvironment(["LIMIT_SIGNUP_ADDRESS": "lots"]) } throws: { "\($0)".contains("LIMIT_SIGNUP_ADDRESS") }
        #expect { try APIConfiguration.fromEnvironment(["RATE_LIMITS": "maybe"]) } throws: { "\($0)".contains("RATE_LIMITS") }
        #expect(throws: APIConfigurationError.self) { try APIConfiguration.fromEnvironment(["TRUSTED_PROXIES": "10.0.0.0/33"]).validate() }
        #expect(throws: APIConfigurationError.self) { try APIConfiguration.fromEnvironment(["PUBLIC_ORIGIN": "tickets.example.com"]).validate() }
    }
}

extension HTTPFields.Element.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let secFetchSite = Self("Sec-Fetch-Site")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
