import Foundation
import Synchronization

/// The gateway used when no Stripe key is configured (development and tests). It answers to
/// Stripe's test tokens: `tok_visa` is charged, `tok_chargeDeclined` is declined, anything
/// else is an invalid token. Like Stripe, it replays the charge (or decline) or refund made
/// under a key it has seen, and refuses the key with other parameters.
public final class TestGateway: PaymentGateway {
    public static let approvingToken = "tok_visa"
    public static let decliningToken = "tok_chargeDeclined"

    /// What a repeat replays, by idempotency key, kept for ``keyLifetime`` (Stripe keeps its
    /// keys a day, on its side): a repeat comes while its command can still be delivered,
    /// `MAX_DELIVERIES` × `ACK_WAIT_MS` (5 minutes by default), so twice that is plenty, and
    /// the gateway's memory stops growing with the number of payments ever made.
    private struct Remembered {
        var charges: [String: (request: ChargeRequest, result: ChargeResult)] = [:]
        var refunds: [String: String] = [:]
        /// Keys in the order they were first used, with when they are forgotten.
        var expiries: [(key: String, refund: Bool, at: ContinuousClock.Instant)] = []
        var forgotten = 0

        mutating func forgetExpired(now: ContinuousClock.Instant) {
            while forgotten < expiries.count, expiries[forgotten].at <= now {
                let expired = expiries[forgotten]
                if expired.refund { refunds[expired.key] = nil } else { charges[expired.key] = nil }
                forgotten += 1
            }
            // Compacted now and then, not on every expiry.
            if forgotten > 1_024, forgotten * 2 > expiries.count {
                expiries.removeFirst(forgotten)
                forgotten = 0
            }
        }
    }

    private let remembered = Mutex(Remembered())
    public let keyLifetime: Duration

    public init(keyLifetime: Duration = .seconds(600)) {
        self.keyLifetime = keyLifetime
    }

    public func charge(_ request: ChargeRequest) async throws -> ChargeResult {
        let now = ContinuousClock.now
        return remembered.withLock { remembered in
            remembered.forgetExpired(now: now)
            if let earlier = remembered.charges[request.idempotencyKey] {
                guard earlier.request == request else {
                    return .invalid(message: "Keys for idempotent requests can only be used with the same parameters", field: nil)
                }
                return earlier.result
            }
            let result: ChargeResult
            switch request.token {
            case Self.approvingToken: result = .charged(id: Self.makeID(prefix: "ch_test_"))
            case Self.decliningToken: result = .declined(message: "Your card was declined")
            // Like Stripe, a request refused as invalid is not kept under its key.
            default: return .invalid(message: "Invalid payment token", field: "token")
            }
            remembered.charges[request.idempotencyKey] = (request, result)
            remembered.expiries.append((request.idempotencyKey, false, now + keyLifetime))
            return result
        }
    }

    public func refund(_ request: RefundRequest) async throws -> RefundResult {
        let now = ContinuousClock.now
        let id = remembered.withLock { remembered in
            remembered.forgetExpired(now: now)
            if let existing = remembered.refunds[request.idempotencyKey] { return existing }
            let id = Self.makeID(prefix: "re_test_")
            remembered.refunds[request.idempotencyKey] = id
            remembered.expiries.append((request.idempotencyKey, true, now + keyLifetime))
            return id
        }
        return .refunded(id: id)
    }

    private static func makeID(prefix: String) -> String {
        prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
    }
}
