import BenchmarkSupport
import Foundation

/// A signed-up user: the bearer token from its `session` cookie and its id.
struct Account: Sendable {
    let token: String
    let id: String

    /// `POST /api/users/signup` over `connection`.
    static func signUp(_ label: String, over connection: LeanConnection) throws -> Account {
        let email = "\(label)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let response = try connection.request("POST", "/api/users/signup", body: "{\"email\":\"\(email)\",\"password\":\"password123\"}")
        guard response.status == 201, let token = response.sessionCookie, let id = response.json["id"] as? String else {
            throw BenchmarkError("sign up answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        return Account(token: token, id: id)
    }

    /// Polls `/readyz` until the API answers 200 (it waits for Redis and Postgres).
    static func waitUntilReady(port: Int) async throws {
        for _ in 0..<600 {
            if (try? LeanConnection(port: port).request("GET", "/readyz").status) == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchmarkError("the API did not become ready")
    }
}
