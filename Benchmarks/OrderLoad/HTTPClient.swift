import BenchmarkSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Just enough of a client for the benchmark: JSON in, status and JSON out, bearer sessions.
struct HTTPClient: Sendable {
    let base: String
    let session: URLSession

    init(base: String, connections: Int) {
        self.base = base
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.httpMaximumConnectionsPerHost = connections
        session = URLSession(configuration: configuration)
    }

    func send(_ method: String, _ path: String, json: [String: Any]? = nil, token: String? = nil) async throws -> (Int, [String: Any], String?) {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        let cookie = (http.value(forHTTPHeaderField: "Set-Cookie")).flatMap { header -> String? in
            guard header.hasPrefix("session=") else { return nil }
            return String(header.split(separator: ";")[0].dropFirst("session=".count))
        }
        return (http.statusCode, object, cookie)
    }

    func waitUntilReady() async throws {
        for _ in 0..<600 {
            if let (status, _, _) = try? await send("GET", "/readyz"), status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchmarkError("the API did not become ready")
    }

    func signUp(_ label: String) async throws -> String {
        let email = "\(label)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let (status, _, cookie) = try await send("POST", "/api/users/signup", json: ["email": email, "password": "password123"])
        guard status == 201, let cookie else { throw BenchmarkError("sign up answered \(status)") }
        return cookie
    }

    func createTicket(_ token: String) async throws -> String {
        let (status, body, _) = try await send("POST", "/api/tickets", json: ["title": "Seat", "price": 25], token: token)
        guard status == 201, let id = body["id"] as? String else { throw BenchmarkError("creating a ticket answered \(status)") }
        return id
    }

    func order(_ ticket: String, buyer: String) async throws -> Int {
        try await send("POST", "/api/orders", json: ["ticketId": ticket], token: buyer).0
    }

    /// Orders a ticket nobody else will order once the orders service knows it, then cancels it.
    func waitForOrderable(_ ticket: String, buyer: String) async throws {
        for _ in 0..<600 {
            let (status, body, _) = try await send("POST", "/api/orders", json: ["ticketId": ticket], token: buyer)
            if status == 201, let id = body["id"] as? String {
                _ = try await send("DELETE", "/api/orders/\(id)", token: buyer)
                // The ticket comes free again once tickets and orders have seen the cancellation.
                try await Task.sleep(for: .seconds(1))
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchmarkError("the orders service never learned the tickets")
    }
}
