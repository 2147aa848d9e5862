import API
import Hummingbird

/// Headers on every page: a Content-Security-Policy that allows our own script and stylesheet
/// and nothing inline, no caching of pages (they carry personal data and CSRF tokens), no
/// framing, no MIME sniffing. Assets set their own caching.
struct PageHeadersMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
        "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
    ].joined(separator: "; ")

    /// The order page with Stripe.js: its script, its card frame and its API, nothing more.
    static let stripeContentSecurityPolicy = [
        "default-src 'none'", "script-src 'self' https://js.stripe.com", "style-src 'self'", "img-src 'self' https://*.stripe.com",
        "connect-src 'self' https://api.stripe.com", "frame-src https://js.stripe.com https://hooks.stripe.com",
        "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
    ].joined(separator: "; ")

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        Self.apply(to: &response)
        return response
    }

    static func apply(to response: inout Response) {
        // A page may have set a wider one of the policies above (Stripe's frame).
        if response.headers[.contentSecurityPolicy] == nil { response.headers[.contentSecurityPolicy] = contentSecurityPolicy }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "same-origin"
        response.headers[.xFrameOptions] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
    }
}

// HTTPField is not re-exported by Hummingbird; HTTPFields' element is it.
extension HTTPFields.Element.Name {
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
}
