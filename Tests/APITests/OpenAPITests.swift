import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// The OpenAPI document and the router describe the same routes: a route added without its
/// documentation, or documentation left behind by a removed route, fails here.
@Suite("the OpenAPI document", .timeLimit(.minutes(3)))
struct OpenAPITests {
    /// "GET /api/tickets/{id}" for every operation in the document.
    static func documentedRoutes() throws -> Set<String> {
        let document = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.json) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        return Set(paths.flatMap { path, item in
            item.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
        })
    }

    /// The same form for every route the API's router has (the web pages are not built here).
    static func routedRoutes() async throws -> Set<String> {
        let routes = Mutex<[String]>([])
        var configuration = APIConfiguration()
        configuration.jwtKey = "test-signing-key-that-is-long-enough-0123456789"
        var logger = Logger(label: "openapi-test")
        logger.logLevel = .critical
        // Nothing connects while building; the pages hook sees the router with the API's routes.
        _ = try await buildApplication(configuration: configuration, logger: logger) { router, _ in
            routes.withLock { $0 = router.routes.map { "\($0.method.rawValue) \($0.path)" } }
            return []
        }
        return Set(routes.withLock { $0 }.map { route in
            // Hummingbird writes a capture as ":id", OpenAPI as "{id}".
            route.split(separator: "/", omittingEmptySubsequences: false).map { part in
                part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }.joined(separator: "/")
        })
    }

    @Test("every route is documented, and every documented route exists")
    func sameRoutes() async throws {
        let documented = try Self.documentedRoutes()
        let routed = try await Self.routedRoutes()
        #expect(routed.count >= 15, "the router's routes were found: \(routed.sorted())")
        #expect(routed.subtracting(documented).isEmpty, "undocumented: \(routed.subtracting(documented).sorted())")
        #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")
    }

    @Test("the API serves the document as JSON at /api/openapi.json")
    func served() async throws {
        try await APITestHarness.with { _, client in
            let response = try await client.execute(uri: "/api/openapi.json", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(String(buffer: response.body) == String(decoding: OpenAPIDocument.json, as: UTF8.self))
        }
    }
}
