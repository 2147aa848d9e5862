import API
import Hummingbird
import Logging
import RedisClient
import PostgresClient

/// Errors on pages and unknown paths become pages in the site's look: a friendly 404, a 503
/// when Redis or Postgres is away, a plain 500 otherwise (logged with its type only: no
/// bodies, so no passwords or card numbers). Unknown paths under `/api` stay JSON errors.
struct PageErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let site: Site

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch FormRefusal.csrf {
            return site.errorPage(request, context, status: .forbidden)
        } catch FormRefusal.tooLarge {
            return site.errorPage(request, context, status: .contentTooLarge, message: "That form was too large to send.")
        } catch let error as HTTPError where error.status == .notFound && Self.isAPI(request) {
            throw error
        } catch let error as HTTPError where error.status == .notFound {
            return site.errorPage(request, context, status: .notFound)
        } catch let error as HTTPError where !Self.isAPI(request) {
            // The router's and our own refusals (method not allowed, not signed in, …).
            return site.errorPage(request, context, status: error.status)
        } catch let limited as RateLimited where !Self.isAPI(request) {
            var response = site.errorPage(request, context, status: .tooManyRequests, message: limited.message)
            response.headers[.retryAfter] = String(limited.retryAfterSeconds)
            return response
        } catch let error as APIError where !Self.isAPI(request) {
            return site.errorPage(request, context, status: error.status, message: error.body.errors.first?.message)
        } catch is RedisError where !Self.isAPI(request) {
            context.logger.warning("page: redis unavailable")
            return site.errorPage(request, context, status: .serviceUnavailable)
        } catch let error as PostgresError where !Self.isAPI(request) && error.code != .server && error.code != .decoding {
            context.logger.warning("page: postgres unavailable", metadata: ["code": "\(error.code)"])
            return site.errorPage(request, context, status: .serviceUnavailable)
        } catch where !Self.isAPI(request) {
            context.logger.error("page failed", metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "error_type": "\(type(of: error))",
            ])
            return site.errorPage(request, context, status: .internalServerError)
        }
    }

    static func isAPI(_ request: Request) -> Bool {
        request.uri.path == "/api" || request.uri.path.hasPrefix("/api/")
    }
}
