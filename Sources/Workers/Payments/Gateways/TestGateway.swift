import Foundation
import Synchronization

/// The gateway used when no Stripe key is configured (development and tests). It answers to
/// Stripe's test tokens: `tok_visa` is charged, `tok_chargeDeclined` is declined, anything
/// else is an invalid token. Like Stripe, it replays the charge (or decline) or refund made
/// under a key it has seen, and refuses the key with other parameters.
public final class TestGateway: PaymentGateway {
    public static let approvingToken = "tok_visa"
    public static let decliningToken = "tok_chargeDeclined"

    /// Idempotency key → the request and its result, and idempotency key → refund id: what a
    /// repeat replays.
    private let charges = Mutex<[String: (request: ChargeRequest, result: ChargeResult)]>([:])
    private let refunds = Mutex<[String: String]>([:])

    public init() {}

    public func charge(_ request: ChargeRequest) async throws -> ChargeResult {
        charges.withLock { charges in
            if let earlier = charges[request.idempotencyKey] {
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
            charges[request.idempotencyKey] = (request, result)
            return result
        }
    }

    public func refund(_ request: RefundRequest) async throws -> RefundResult {
        let id = refunds.withLock { refunds in
            if let existing = refunds[request.idempotencyKey] { return existing }
            let id = Self.makeID(prefix: "re_test_")
            refunds[request.idempotencyKey] = id
            return id
        }
        return .refunded(id: id)
    }

    private static func makeID(prefix: String) -> String {
        prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
    }
}
