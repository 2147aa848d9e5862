import Foundation
import Hummingbird

/// Reads the session from `Authorization: Bearer …` or else the session cookie (its name
/// depends on whether cookies are secure, see ``SessionCookie``), and puts the
/// verified user in the context. A missing or bad token leaves the request anonymous: routes
/// that need a user refuse it with 401 (``APIRequestContext/requireSession()``).
///
/// On the routes in `admissionChecked` (`POST /api/orders`: a handler that only validates its
/// input and dispatches a command) the revocation check is left to the command's admission,
/// which makes it in the rate limit's round trip: one Redis round trip fewer per purchase.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let tokens: SessionTokens
    let cookie: SessionCookie
    /// Routes, as `METHOD /path`, whose handlers dispatch a command and do nothing else with
    /// the session before (see ``APIRequestContext/revocationUnchecked``).
    var admissionChecked: Set<String> = []

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = Self.token(in: request, cookieName: cookie.name) {
            if tokens.checksRevocations, admissionChecked.contains("\(request.method.rawValue) \(request.uri.path)") {
                context.session = await tokens.verifySignature(token)
                context.revocationUnchecked = context.session != nil
            } else {
                context.session = await tokens.verify(token)
            }
        }
        return try await next(request, context)
    }

    static func token(in request: Request, cookieName: String) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                // Spaces and tabs, the whitespace a header value can hold; by hand, since
                // Foundation's trimming bridges through NSString on every request.
                var token = parts[1]
                while token.first == " " || token.first == "\t" { token.removeFirst() }
                while token.last == " " || token.last == "\t" { token.removeLast() }
                if !token.isEmpty { return String(token) }
            }
        }
        if let cookie = request.cookies[cookieName], !cookie.value.isEmpty {
            return cookie.value
        }
        return nil
    }
}
