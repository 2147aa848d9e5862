import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport

/// The whole fleet as real processes (the API and all five workers) against the shared test
/// servers, with a database and key prefix of its own, driven over HTTP like a client would.
final class Fleet: Sendable {
    static let workers = ["auth-worker", "tickets-worker", "orders-worker", "expiration-worker", "payments-worker"]
    /// A real (not the development) key for every fleet: 32 random bytes per test run.
    static let passwordSealKeys = "e2e-\(UUID().uuidString.prefix(8).lowercased()):\(Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())"

    let baseURL: String
    let environment: [String: String]
    let logDirectory: String
    /// Each worker's and the API's operations port for `/metrics`, `/healthz` and `/readyz`.
    let metricsPorts: [String: Int]
    private let processes = Mutex<[String: ChildProcess]>([:])
    /// Settings for one process only (e.g. its own REDIS_URL), over ``environment``.
    let processEnvironment: [String: [String: String]]

    /// - Parameter orderTTL: seconds an order waits for payment.
    /// - Parameter commandTimeout: the API's wait for a reply, generous by default because the
    ///   test machine runs many suites at once and a slow reply would turn into a 202.
    /// - Parameter environment: more settings for every process.
    /// - Parameter redis: a Redis of the test's own instead of the shared one.
    /// - Parameter processEnvironment: settings for one process each, by name.
    static func start(
        orderTTL: Int = 900, commandTimeout: Int = 15000, environment extra: [String: String] = [:],
        redis own: RedisServer? = nil, processEnvironment: [String: [String: String]] = [:]
    ) async throws -> Fleet {
        let redis = if let own { own } else { try await TestServers.redis() }
        let databaseURL = try await TestServers.postgres().createDatabase()
        let port = try BuiltProducts.freePort()
        var environment = [
            "REDIS_URL": redis.url,
            "DATABASE_URL": databaseURL,
            "KEY_PREFIX": TestServers.uniqueName("e2e"),
            "ORDER_TTL_SECONDS": String(orderTTL),
            "ACK_WAIT_MS": "3000",
            "BLOCK_MS": "200",
            "LOG_LEVEL": "info",
            "JWT_KEY": "end-to-end-test-key-of-at-least-32-bytes!",
            // The API and the auth worker share it: passwords travel sealed with it.
            "PASSWORD_SEAL_KEYS": Fleet.passwordSealKeys,
            "HOST": "127.0.0.1",
            "PAYMENT_GATEWAY": "test",
            "PORT": String(port),
            "COMMAND_TIMEOUT_MS": String(commandTimeout),
            // Every test user signs up from 127.0.0.1; the other limits keep their defaults.
            "LIMIT_SIGNUP_ADDRESS": "500/3600",
        ]
        environment.merge(extra) { _, new in new }
        var metricsPorts: [String: Int] = [:]
        for name in workers + ["api"] { metricsPorts[name] = try BuiltProducts.freePort() }
        let fleet = Fleet(
            baseURL: "http://127.0.0.1:\(port)", environment: environment, metricsPorts: metricsPorts,
            logDirectory: try BuiltProducts.logDirectory("e2e"), processEnvironment: processEnvironment)
        for name in workers + ["api"] { try fleet.launch(name) }
        try await fleet.waitUntilReady()
        return fleet
    }

    private init(
        baseURL: String, environment: [String: String], metricsPorts: [String: Int], logDirectory: String,
        processEnvironment: [String: [String: String]]
    ) {
        self.processEnvironment = processEnvironment
        self.baseURL = baseURL
        self.environment = environment
        self.metricsPorts = metricsPorts
        self.logDirectory = logDirectory
    }

    func launch(_ name: String) throws {
        var environment = environment
        if let port = metricsPorts[name] { environment["METRICS_PORT"] = String(port) }
        environment.merge(processEnvironment[name] ?? [:]) { _, own in own }
        let process = try ChildProcess(name: name, executable: BuiltProducts.path(name), environment: environment, logDirectory: logDirectory)
        processes.withLock { $0[name] = process }
    }

    func process(_ name: String) -> ChildProcess? { processes.withLock { $0[name] } }

    /// Waits for the API's and every worker's `/readyz`: a command sent before a worker consumes
    /// would wait out the API's reply timeout.
    func waitUntilReady(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let response = try? await request("GET", "/readyz"), response.status == 200, await workersReady() {
                return
            }
            for (name, process) in processes.withLock({ $0 }) where !process.isRunning {
                throw FleetError("\(name) exited during start-up:\n\(process.logTail())")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FleetError("the fleet was not ready within \(timeout):\n\(logs())")
    }

    /// Every worker's `/readyz` answers 200: it has migrated and joined its groups.
    private func workersReady() async -> Bool {
        for name in Fleet.workers where process(name) != nil {
            guard let response = try? await request("GET", "/readyz", base: operationsURL(name)), response.status == 200 else { return false }
        }
        return true
    }

    func operationsURL(_ worker: String) -> String { "http://127.0.0.1:\(metricsPorts[worker] ?? 0)" }

    /// SIGTERM to every process; each must exit 0.
    func stop() async -> [String: Int32?] {
        var statuses: [String: Int32?] = [:]
        for (name, process) in processes.withLock({ $0 }) { statuses[name] = await process.terminate() }
        return statuses
    }

    func logs() -> String {
        processes.withLock { $0 }.map { "== \($0.key)\n\($0.value.logTail(lines: 15))" }.joined(separator: "\n")
    }

    // MARK: HTTP

    struct Response: Sendable {
        let status: Int
        let headers: [String: String]
        let body: Data

        var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        var object: [String: Any] { (json as? [String: Any]) ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
        /// The `field` of each error in the error body.
        var errorFields: [String] { ((object["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String } }
        var sessionCookie: String? {
            guard let header = headers["set-cookie"], header.hasPrefix("session=") else { return nil }
            return String(header.split(separator: ";")[0].dropFirst("session=".count))
        }
    }

    /// A request to the API, or with `base` to another listener (a worker's operations port).
    func request(_ method: String, _ path: String, json: Any? = nil, raw: Data? = nil, token: String? = nil, headers: [String: String] = [:], base: String? = nil) async throws -> Response {
        var request = URLRequest(url: URL(string: (base ?? baseURL) + path)!)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let raw {
            request.httpBody = raw
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await Fleet.session.data(for: request)
        let http = response as! HTTPURLResponse
        var lowered: [String: String] = [:]
        for (name, value) in http.allHeaderFields { lowered["\(name)".lowercased()] = "\(value)" }
        return Response(status: http.statusCode, headers: lowered, body: data)
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.httpMaximumConnectionsPerHost = 64
        return URLSession(configuration: configuration)
    }()

    // MARK: The story's steps

    /// Signs up a fresh user; returns its session token and id.
    func signUp(_ label: String = "user") async throws -> (token: String, id: String) {
        let email = "\(label)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let response = try await request("POST", "/api/users/signup", json: ["email": email, "password": "correct horse"])
        guard response.status == 201, let token = response.sessionCookie, let id = response.object["id"] as? String else {
            throw FleetError("sign up failed: \(response.status) \(response.text)\n\(logs())")
        }
        return (token, id)
    }

    func createTicket(_ token: String, title: String = "Concert", price: Double = 20) async throws -> String {
        let response = try await request("POST", "/api/tickets", json: ["title": title, "price": price], token: token)
        guard response.status == 201, let id = response.object["id"] as? String else {
            throw FleetError("creating a ticket failed: \(response.status) \(response.text)\n\(logs())")
        }
        return id
    }

    /// Buys a ticket, retrying while the orders service has not seen the ticket yet (its replica
    /// follows ticket:created a moment later).
    func order(_ token: String, ticket: String, headers: [String: String] = [:]) async throws -> Response {
        let deadline = ContinuousClock.now + .seconds(15)
        while true {
            let response = try await request("POST", "/api/orders", json: ["ticketId": ticket], token: token, headers: headers)
            if response.status != 404 || ContinuousClock.now > deadline { return response }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Polls until `condition` holds for the response of GET `path`.
    func eventually(_ path: String, token: String? = nil, base: String? = nil, timeout: Duration = .seconds(30), _ condition: (Response) -> Bool) async throws -> Response {
        let deadline = ContinuousClock.now + timeout
        var last = try await request("GET", path, token: token, base: base)
        while !condition(last) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            last = try await request("GET", path, token: token, base: base)
        }
        return last
    }
}

struct FleetError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
