import Contracts
import Hummingbird
import Logging
import PostgresClient
import RedisClient

/// The outermost middleware: every error becomes a response in the documented shape. Errors
/// meant for clients keep their status and message; anything else is logged (type and
/// description only: no headers, no bodies, so no tokens or passwords) and answers a plain 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let security: SecurityMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            if error.status == .unauthorized { security.unauthorized.increment() }
            return JSONResponse.make(status: error.status, body: error.body)
        } catch let error as RateLimited {
            return error.response
        } catch let error as HTTPError {
            // The router's own refusals (no such route, method not allowed).
            let message = error.body ?? error.status.reasonPhrase
            return JSONResponse.make(status: error.status, body: ErrorBody(message: message))
        } catch let error as RedisError {
            // Redis down or overloaded: say so, rather than a bare 500.
            context.logger.warning("redis unavailable", metadata: ["code": "\(error.code)"])
            return JSONResponse.make(status: .serviceUnavailable, body: APIError.unavailable.body)
        } catch let error as PostgresError where error.code != .server && error.code != .decoding {
            context.logger.warning("postgres unavailable", metadata: ["code": "\(error.code)"])
            return JSONResponse.make(status: .serviceUnavailable, body: APIError.unavailable.body)
        } catch is CancellationError {
            return JSONResponse.make(status: .serviceUnavailable, body: APIError.unavailable.body)
        } catch {
            context.logger.error("request failed", metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)",
                "error_type": "\(type(of: error))", "error": "\(error)",
            ])
            return JSONResponse.make(status: .internalServerError, body: APIError.unexpected.body)
        }
    }
}
