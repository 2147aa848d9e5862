import Foundation
import Synchronization

/// The gateway used when no Stripe key is configured (development and tests). It answers to
/// Stripe's test tokens: `tok_visa` is charged, `tok_chargeDeclined` is declined, anything
/// else is an invalid token. Like Stripe, it replays a charge or refund for a key it has seen.
public final class TestGateway: PaymentGateway {
    public static let approvingToken = "tok_visa"
    public static let decliningToken = "tok_chargeDeclined"

    /// Idempotency key → charge id, and idempotency key → refund id: what a repeat replays.
    private let charges = Mutex<[String: String]>([:])
    private let refunds = Mutex<[String: String]>([:])

    public init() {}

    public func charge(_ request: ChargeRequest) async throws -> ChargeResult {
        switch request.token {
        case Self.approvingToken:
            let id = charges.withLock { charges in
                if let existing = charges[request.idempotencyKey] { return existing }
                let id = Self.makeID(prefix: "ch_test_")
                charges[request.idempotencyKey] = id
                return id
            }
            return .charged(id: id)
        case Self.decliningToken:
            return .declined(message: "Your card was declined")
        default:
            return .invalid(message: "Invalid payment token", field: "token")
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
