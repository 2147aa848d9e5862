import API
import Contracts
import FleetTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import WorkerRuntime

/// The API built as the executable builds it, against the shared test servers with a database
/// and key prefix of its own, and a ``Responder`` standing in for the services.
struct APITestHarness: Sendable {
    static let jwtKey = "test-signing-key-that-is-long-enough-0123456789"

    let services: ServiceHarness
    let responder: Responder
    let worker: RunningWorker

    static func make() async throws -> APITestHarness {
        let services = try await ServiceHarness.make()
        let responder = Responder()
        // Few deliveries, so a command that always fails is given up on within a test's patience.
        let worker = try await services.start(responder.definition(keys: services.keys)) { $0.maxDeliveries = 3 }
        return APITestHarness(services: services, responder: responder, worker: worker)
    }

    func configuration(commandTimeout: Duration = .seconds(10)) -> APIConfiguration {
        var configuration = APIConfiguration()
        configuration.redisURL = services.redisURL
        configuration.databaseURL = services.databaseURL
        configuration.keyPrefix = services.keys.prefix
        configuration.jwtKey = Self.jwtKey
        configuration.instance = "api-\(UUID().uuidString.prefix(8).lowercased())"
        configuration.commandTimeout = commandTimeout
        configuration.maxBodyBytes = 1024
        configuration.replyBlock = .milliseconds(200)
        return configuration
    }

    /// Runs `test` against a freshly built API; stops the responder afterwards. `.live` serves
    /// it on a socket (requests then have a client address, 127.0.0.1).
    func run<Value>(
        _ configuration: APIConfiguration? = nil,
        testing: TestingSetup = .router,
        _ test: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        var logger = Logger(label: "api-test")
        logger.logLevel = .warning
        let app = try await buildApplication(configuration: configuration ?? self.configuration(), logger: logger)
        return try await app.test(testing, test)
    }

    /// Stops the responder and closes the connections; a worker that failed is reported, not
    /// swallowed, after the connections are closed.
    func close() async throws {
        var failure: (any Error)?
        do { try await worker.stop() } catch { failure = error }
        await services.close()
        if let failure { throw failure }
    }

    /// Builds a harness, runs `test` with it and a client of an API configured by `configure`,
    /// and cleans up either way.
    static func with<Value>(
        commandTimeout: Duration = .seconds(10),
        testing: TestingSetup = .router,
        configure: (inout APIConfiguration) -> Void = { _ in },
        _ test: @Sendable (APITestHarness, any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let harness = try await make()
        var configuration = harness.configuration(commandTimeout: commandTimeout)
        // A live server listens on a free port of its own.
        configuration.port = 0
        configure(&configuration)
        do {
            let value = try await harness.run(configuration, testing: testing) { client in
                try await test(harness, client)
            }
            try await harness.close()
            return value
        } catch {
            try? await harness.close()
            throw error
        }
    }
}

// MARK: - Requests and responses

extension TestClientProtocol {
    /// Sends `json` (or nothing) with optional bearer token, cookie and extra headers.
    func send(
        _ method: HTTPRequest.Method, _ uri: String, json: String? = nil,
        token: String? = nil, cookie: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if json != nil { headers[.contentType] = "application/json" }
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let cookie { headers[.cookie] = "session=\(cookie)" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Signs up a fresh user through the API; returns the session token from the cookie.
    func signUp(_ email: String = "user-\(UUID().uuidString.prefix(8).lowercased())@example.com") async throws -> (token: String, user: UserView) {
        var response = try await send(.post, "/api/users/signup", json: #"{"email":"\#(email)","password":"password123"}"#)
        // Tests with a short command wait can see 202 on a busy machine: poll the outcome,
        // with the poll key the 202 handed out.
        if response.status == .accepted, let location = response.headers[.location], let pollKey = response.pollKeyCookie {
            let deadline = ContinuousClock.now + .seconds(20)
            while response.status == .accepted && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                response = try await send(.get, location, headers: [.cookie: "\(PollKey.cookieName)=\(pollKey)"])
            }
        }
        guard response.status == .created, let token = response.sessionCookie else {
            throw HarnessError("sign-up failed: \(response.status) \(response.text)")
        }
        return (token, try response.decode(UserView.self))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try MessageCoding.decode(type, from: text)
    }

    var errors: [ErrorBody.Item] { (try? decode(ErrorBody.self).errors) ?? [] }

    var fields: Set<String> { Set(errors.compactMap(\.field)) }

    /// The session cookie's Set-Cookie line, whole (`session`, or `__Host-session` when secure).
    var sessionSetCookie: String? {
        headers[values: .setCookie].first { $0.hasPrefix("session=") || $0.hasPrefix("__Host-session=") }
    }

    /// The poll key cookie's value (see ``PollKey``), if one was set.
    var pollKeyCookie: String? {
        guard let line = headers[values: .setCookie].first(where: { $0.hasPrefix("\(PollKey.cookieName)=") }) else { return nil }
        let value = line.dropFirst(PollKey.cookieName.count + 1).prefix { $0 != ";" }
        return value.isEmpty ? nil : String(value)
    }

    /// The session cookie's value, if one was set.
    var sessionCookie: String? {
        guard let line = sessionSetCookie else { return nil }
        let value = line.drop { $0 != "=" }.dropFirst().prefix { $0 != ";" }
        return value.isEmpty ? nil : String(value)
    }
}
