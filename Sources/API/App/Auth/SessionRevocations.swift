import Contracts
import Foundation
import RedisClient

/// Signed-out tokens, by `jti`, in Redis (`<prefix>:revoked:<jti>`), each kept until the token
/// would have expired anyway, so every API copy sharing Redis refuses them.
///
/// Every authenticated request asks Redis (one `EXISTS`, pipelined on the shared connection,
/// so it costs a round trip of latency but no connection or extra work per request), rather
/// than remembering "not revoked" in memory or hearing of revocations by pub/sub: either of
/// those leaves a window in which another copy still honours a token that was just signed out,
/// and the purchase path already waits on Redis for the command's reply, so one more short
/// round trip is small beside it.
struct SessionRevocations: Sendable {
    let redis: RedisClient
    let keys: KeySpace

    func isRevoked(_ tokenID: String) async throws -> Bool {
        try await redis.exists(keys.revoked(tokenID)) > 0
    }

    /// Revokes until `expires`; a token already expired needs nothing.
    func revoke(_ tokenID: String, until expires: Date, now: Date = Date()) async throws {
        let remaining = expires.timeIntervalSince(now)
        guard remaining > 0 else { return }
        _ = try await redis.set(keys.revoked(tokenID), "1", expireAfter: .milliseconds(Int64((remaining * 1000).rounded(.up))))
    }
}
