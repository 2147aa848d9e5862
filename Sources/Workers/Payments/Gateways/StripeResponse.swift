import Foundation

/// Reads Stripe's answers: the object on success, `{"error":{…}}` otherwise, and decides
/// which are results for the payer and which are errors for us.
enum StripeResponse {
    struct Object: Decodable {
        var id: String
    }

    struct Failure: Decodable {
        struct Detail: Decodable {
            var type: String?
            var code: String?
            var message: String?
            var param: String?
        }
        var error: Detail
    }

    static func chargeResult(status: Int, body: Data) throws -> ChargeResult {
        switch status {
        case 200..<300:
            return .charged(id: try objectID(body, what: "charge"))
        case 402:
            // Every 402 is a card error (declined, expired, wrong CVC…): the payer's to fix,
            // and Stripe's message is written to be shown to them.
            return .declined(message: failure(body)?.message ?? "Your card was declined")
        case 400..<500 where !isTransient(status) && !isOurs(status):
            let detail = failure(body)
            // Stripe names the form field at fault; `source` is what the command calls `token`.
            let field = detail?.param == "source" ? "token" : nil
            return .invalid(message: detail?.message ?? "The payment request was refused", field: field)
        default:
            throw error(status: status, body: body, doing: "a charge")
        }
    }

    static func refundResult(status: Int, body: Data) throws -> RefundResult {
        switch status {
        case 200..<300:
            return .refunded(id: try objectID(body, what: "refund"))
        case 400 where failure(body)?.code == "charge_already_refunded":
            return .alreadyRefunded
        default:
            throw error(status: status, body: body, doing: "a refund")
        }
    }

    /// 409: a request with the same idempotency key is still running; 429: rate limited.
    /// Both pass if tried again later, as do 5xx answers.
    private static func isTransient(_ status: Int) -> Bool {
        status == 409 || status == 429 || status >= 500
    }

    /// 401 and 403 mean our API key is wrong or lacks rights: not the payer's business.
    private static func isOurs(_ status: Int) -> Bool {
        status == 401 || status == 403
    }

    private static func error(status: Int, body: Data, doing what: String) -> PaymentGatewayError {
        let message = "Stripe answered \(status) to \(what): \(failure(body)?.message ?? "no error message")"
        if isTransient(status) || !(400..<500).contains(status) {
            return PaymentGatewayError(code: .unavailable, message: message)
        }
        return PaymentGatewayError(code: .refused, message: message)
    }

    private static func objectID(_ body: Data, what: String) throws -> String {
        guard let object = try? JSONDecoder().decode(Object.self, from: body), !object.id.isEmpty else {
            throw PaymentGatewayError(code: .unexpectedResponse, message: "Stripe's \(what) answer has no id")
        }
        return object.id
    }

    private static func failure(_ body: Data) -> Failure.Detail? {
        (try? JSONDecoder().decode(Failure.self, from: body))?.error
    }
}
