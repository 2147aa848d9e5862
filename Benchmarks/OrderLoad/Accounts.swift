import BenchmarkSupport
import Foundation

/// A signed-up user: the bearer token from its `session` cookie and its id.
struct Account: Sendable {
    let token: String
    let id: String

    /// `POST /api/users/signup` over `connection`.
    static func signUp(_ label: String, over connection: LeanConnection) throws -> Account {
        let email = "\(label)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let credentials = "{\"email\":\"\(email)\",\"password\":\"password123\"}"
        var response = try connection.request("POST", "/api/users/signup", body: credentials)
        // A busy auth worker (bcrypt, many sign-ups at once) may miss the API's command timeout:
        // 202, and the user is created a moment later; signing in then gives the session.
        if response.status == 202 {
            for _ in 0..<120 {
                Thread.sleep(forTimeInterval: 0.5)
                response = try connection.request("POST", "/api/users/signin", body: credentials)
                // 400 is "no such user" until the sign-up lands; 202, the same wait again.
                if response.status != 400 && response.status != 202 { break }
            }
        }
        guard response.status == 201 || response.status == 200, let token = response.sessionCookie, let id = response.json["id"] as? String else {
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
