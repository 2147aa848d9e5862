import Contracts
import Hummingbird

/// Too many attempts: 429 in the documented error shape, with `Retry-After` in whole seconds
/// (rounded up, so a client that waits that long is let in).
public struct RateLimited: Error, Sendable, Hashable {
    public let retryAfterMilliseconds: Int

    /// Whole seconds to wait, at least 1.
    public var retryAfterSeconds: Int { max(1, (retryAfterMilliseconds + 999) / 1000) }

    public var message: String {
        "Too many attempts; try again in \(retryAfterSeconds) second\(retryAfterSeconds == 1 ? "" : "s")"
    }

    var response: Response {
        JSONResponse.make(
            status: .tooManyRequests, body: ErrorBody(message: message),
            headers: [.retryAfter: String(retryAfterSeconds)])
    }
}
