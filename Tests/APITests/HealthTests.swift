import API
import Contracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing

@Suite("health and configuration", .timeLimit(.minutes(3)))
struct HealthTests {
    @Test("healthz and readyz answer 200 when Redis and Postgres answer")
    func ready() async throws {
        try await APITestHarness.with { _, client in
            let health = try await client.send(.get, "/healthz")
            #expect(health.status == .ok)
            let ready = try await client.send(.get, "/readyz")
            #expect(ready.status == .ok)
        }
    }

    @Test("readyz answers 503 promptly when Redis is unreachable, while healthz stays 200")
    func notReadyWithoutRedis() async throws {
        // Nothing listens on port 1.
        try await APITestHarness.with(configure: { $0.redisURL = "redis://127.0.0.1:1/0" }) { _, client in
            let started = ContinuousClock.now
            let ready = try await client.send(.get, "/readyz")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.errors.count == 1)
            // The probe gives Redis 1 s; without that bound it would wait on the client's
            // reconnect loop for ever. 10 s leaves room for a loaded machine.
            #expect(ContinuousClock.now - started < .seconds(10))
            let health = try await client.send(.get, "/healthz")
            #expect(health.status == .ok)
        }
    }

    @Test("readyz answers 503 when Postgres is unreachable, while healthz stays 200")
    func notReadyWithoutPostgres() async throws {
        // Nothing listens on port 1.
        try await APITestHarness.with(configure: { $0.databaseURL = "postgresql://postgres@127.0.0.1:1/none" }) { _, client in
            let started = ContinuousClock.now
            let ready = try await client.send(.get, "/readyz")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.errors.count == 1)
            #expect(ContinuousClock.now - started < .seconds(10))
            let health = try await client.send(.get, "/healthz")
            #expect(health.status == .ok)
        }
    }

    @Test("a command answers 503 in the error shape when Redis is unreachable")
    func commandWithoutRedis() async throws {
        // Nothing listens on port 1.
        try await APITestHarness.with(configure: { $0.redisURL = "redis://127.0.0.1:1/0" }) { _, client in
            let response = try await client.send(.post, "/api/users/signup", json: #"{"email":"a@example.com","password":"password123"}"#)
            #expect(response.status == .serviceUnavailable)
            #expect(response.errors.count == 1)
        }
    }

    @Test("production refuses to build without a JWT_KEY, with a short one, or with the development one")
    func productionNeedsKey() async throws {
        for key in [nil, "too-short", APIConfiguration.developmentJWTKey] {
            var configuration = APIConfiguration()
            configuration.environment = .production
            configuration.jwtKey = key
            await #expect(throws: APIConfigurationError.self) {
                _ = try await buildApplication(configuration: configuration)
            }
        }
        var configuration = APIConfiguration()
        configuration.environment = .production
        configuration.jwtKey = String(repeating: "k", count: 32)
        configuration.passwordSealKeys = "prod:\(Data(count: 32).base64EncodedString())"
        _ = try await buildApplication(configuration: configuration)
    }

    @Test("the environment configures the API, and bad values are refused by name")
    func environment() throws {
        let configuration = try APIConfiguration.fromEnvironment([
            "APP_ENV": "production", "JWT_KEY": String(repeating: "s", count: 40), "PORT": "8080", "HOST": "0.0.0.0",
            "COMMAND_TIMEOUT_MS": "250", "MAX_BODY_BYTES": "100", "API_INSTANCE": "api-7", "KEY_PREFIX": "fleet",
            "COOKIE_SECURE": "false",
        ])
        #expect(configuration.environment == .production)
        #expect(configuration.port == 8080)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.commandTimeout == .milliseconds(250))
        #expect(configuration.maxBodyBytes == 100)
        #expect(configuration.instance == "api-7")
        #expect(configuration.keyPrefix == "fleet")
        #expect(configuration.cookieSecure == false)
        let defaults = try APIConfiguration.fromEnvironment([:])
        #expect(defaults.port == 3000)
        #expect(defaults.host == "127.0.0.1")
        #expect(defaults.commandTimeout == .milliseconds(5000))
        #expect(defaults.maxBodyBytes == 64 * 1024)
        #expect(throws: APIConfigurationError.self) { try APIConfiguration.fromEnvironment(["PORT": "eighty"]) }
        #expect(throws: APIConfigurationError.self) { try APIConfiguration.fromEnvironment(["APP_ENV": "staging"]) }
        #expect(throws: APIConfigurationError.self) { try APIConfiguration.fromEnvironment(["COOKIE_SECURE": "maybe"]) }
    }

    @Test("COOKIE_SECURE marks the session cookie Secure")
    func secureCookie() async throws {
        try await APITestHarness.with(configure: { $0.cookieSecure = true }) { _, client in
            let response = try await client.send(.post, "/api/users/signup", json: #"{"email":"s@example.com","password":"password123"}"#)
            #expect(try #require(response.sessionSetCookie).contains("Secure"))
        }
    }
}
