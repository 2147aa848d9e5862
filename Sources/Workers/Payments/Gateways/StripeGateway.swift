import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Charges and refunds through Stripe's HTTP API (`POST /v1/charges`, `POST /v1/refunds`),
/// form-encoded, authenticated with the secret key, and idempotent by `Idempotency-Key`.
public struct StripeGateway: PaymentGateway {
    public static let defaultBaseURL = URL(string: "https://api.stripe.com")!

    private let secretKey: String
    private let baseURL: URL
    private let session: URLSession

    /// - Parameters:
    ///   - baseURL: Stripe's API root; tests point it at a local server.
    ///   - timeout: per request. Kept well under the worker's ack wait, so a slow answer is
    ///     given up (and retried with the same key) before another consumer takes the message.
    public init(secretKey: String, baseURL: URL = StripeGateway.defaultBaseURL, timeout: Duration = .seconds(15)) {
        self.secretKey = secretKey
        self.baseURL = baseURL
        let configuration = URLSessionConfiguration.ephemeral
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        configuration.timeoutIntervalForRequest = seconds
        configuration.timeoutIntervalForResource = seconds
        self.session = URLSession(configuration: configuration)
    }

    public func charge(_ request: ChargeRequest) async throws -> ChargeResult {
        let (status, body) = try await post("v1/charges", idempotencyKey: request.idempotencyKey, form: [
            ("amount", String(request.amountCents)),
            ("currency", request.currency),
            ("source", request.token),
            ("description", request.description),
        ])
        return try StripeResponse.chargeResult(status: status, body: body)
    }

    public func refund(_ request: RefundRequest) async throws -> RefundResult {
        let (status, body) = try await post("v1/refunds", idempotencyKey: request.idempotencyKey, form: [
            ("charge", request.chargeID),
        ])
        return try StripeResponse.refundResult(status: status, body: body)
    }

    private func post(_ path: String, idempotencyKey: String, form: [(String, String)]) async throws -> (Int, Data) {
        var request = URLRequest(url: baseURL.appendingPathComponent(path))
        request.httpMethod = "POST"
        request.setValue("Bearer \(secretKey)", forHTTPHeaderField: "Authorization")
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue(idempotencyKey, forHTTPHeaderField: "Idempotency-Key")
        request.httpBody = Data(FormEncoding.encode(form).utf8)
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            // Unreachable, timed out, connection dropped: the charge may or may not have been
            // made, and only a retry with the same key finds out safely.
            throw PaymentGatewayError(code: .unavailable, message: "POST /\(path) failed: \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else {
            throw PaymentGatewayError(code: .unexpectedResponse, message: "POST /\(path) got a response that is not HTTP")
        }
        return (http.statusCode, data)
    }
}
