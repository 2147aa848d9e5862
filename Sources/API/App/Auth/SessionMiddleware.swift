import Foundation
import Hummingbird

/// Reads the session from `Authorization: Bearer …` or else the `session` cookie, and puts the
/// verified user in the context. A missing or bad token leaves the request anonymous: routes
/// that need a user refuse it with 401 (``APIRequestContext/requireSession()``).
struct SessionMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let tokens: SessionTokens

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = Self.token(in: request) {
            context.session = await tokens.verify(token)
        }
        return try await next(request, context)
    }

    static func token(in request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = parts[1].trimmingCharacters(in: .whitespaces)
                if !token.isEmpty { return token }
            }
        }
        if let cookie = request.cookies[SessionCookie.name], !cookie.value.isEmpty {
            return cookie.value
        }
        return nil
    }
}
