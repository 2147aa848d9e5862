import Hummingbird

/// Headers on every response, errors included (it runs outside the error middleware):
/// no MIME sniffing, no full URLs in `Referer` to other sites, `Cache-Control: no-store` on
/// the JSON API's personal answers (everything under `/api` but the public ticket list), and
/// HSTS when cookies are `Secure` (the site is served over HTTPS). A header a route or the
/// pages set already is kept.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Whether to send `Strict-Transport-Security`.
    let strictTransport: Bool

    static var hsts: String { "max-age=31536000" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        if response.headers[.referrerPolicy] == nil { response.headers[.referrerPolicy] = "strict-origin-when-cross-origin" }
        if response.headers[.cacheControl] == nil, Self.isPersonal(request) { response.headers[.cacheControl] = "no-store" }
        if strictTransport { response.headers[.strictTransportSecurity] = Self.hsts }
        return response
    }

    /// Every `/api` answer may carry a session, a user or an order, except reading tickets,
    /// which anyone may see.
    static func isPersonal(_ request: Request) -> Bool {
        let path = request.uri.path
        guard path == "/api" || path.hasPrefix("/api/") else { return false }
        return !(request.method == .get && (path == "/api/tickets" || path.hasPrefix("/api/tickets/")))
    }
}

extension HTTPFields.Element.Name {
    static let referrerPolicy = Self("Referrer-Policy")!
}
