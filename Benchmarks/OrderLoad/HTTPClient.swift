import BenchmarkSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The memory soak's client (Soak.swift): JSON in, status and JSON out, bearer sessions. The
/// load phases use ``LeanConnection`` instead, whose own cost is small and measured.
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
}
