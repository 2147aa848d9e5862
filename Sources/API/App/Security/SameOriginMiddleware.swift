import Foundation
import Hummingbird

/// Refuses state-changing `/api` requests that a browser sent from another site (CSRF), with
/// 403. A browser names the page's origin in `Origin` on every POST, PUT, PATCH and DELETE;
/// it must be one of the configured origins (`PUBLIC_ORIGIN`), or, with none configured, the
/// address the request was sent to (its `Host`). Without `Origin`, `Sec-Fetch-Site:
/// cross-site` is refused. Requests with neither (curl, servers with a Bearer token) pass:
/// they are not a browser acting for a signed-in user. The pages have CSRF tokens of their own.
struct SameOriginMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Lowercased `scheme://host[:port]` values; empty means "the request's own host".
    let origins: Set<String>

    static var refused: APIError { APIError(.forbidden, "Cross-site request refused") }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.changesState(request.method), Self.isAPI(request.uri.path), !isSameSite(request) {
            throw Self.refused
        }
        return try await next(request, context)
    }

    func isSameSite(_ request: Request) -> Bool {
        if let origin = request.headers[.origin] {
            let origin = origin.lowercased()
            if !origins.isEmpty { return origins.contains(origin) }
            // "null" (sandboxed frames, some redirects) has no host and never matches.
            guard let authority = request.head.authority,
                  let separator = origin.range(of: "://")
            else { return false }
            return origin[separator.upperBound...] == authority.lowercased()
        }
        return request.headers[.secFetchSite]?.lowercased() != "cross-site"
    }

    static func changesState(_ method: HTTPRequest.Method) -> Bool {
        method == .post || method == .put || method == .patch || method == .delete
    }

    static func isAPI(_ path: String) -> Bool { path == "/api" || path.hasPrefix("/api/") }

    /// `PUBLIC_ORIGIN` entries as compared: lowercased, without a trailing slash.
    static func normalise(_ origin: String) -> String? {
        var text = origin.trimmingCharacters(in: .whitespaces).lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        guard let separator = text.range(of: "://"), ["http", "https"].contains(String(text[..<separator.lowerBound])),
              !text[separator.upperBound...].isEmpty, !text[separator.upperBound...].contains("/")
        else { return nil }
        return text
    }
}

extension HTTPFields.Element.Name {
    static let secFetchSite = Self("Sec-Fetch-Site")!
}
