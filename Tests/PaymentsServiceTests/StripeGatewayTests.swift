import Foundation
import PaymentsService
import Testing

@Suite("Stripe gateway over HTTP", .timeLimit(.minutes(1)))
struct StripeGatewayTests {
    static let key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"

    static func charge(orderID: String = "0b5a3c1e-9f5e-4d8a-8f4e-2c1d0e9b7a61") -> ChargeRequest {
        ChargeRequest(amountCents: 2050, currency: "usd", token: "tok_visa", description: "Order 42 & co = paid", idempotencyKey: orderID)
    }

    /// Runs `body` against a fake Stripe that answers every request with `status` and `body`.
    static func withStripe(status: Int, body: String, _ test: (StripeGateway, FakeStripeServer) async throws -> Void) async throws {
        let server = try FakeStripeServer { _ in .init(status: status, body: body) }
        defer { server.stop() }
        try await test(StripeGateway(secretKey: key, baseURL: server.baseURL, timeout: .seconds(5)), server)
    }

    @Test("a charge is a form-encoded POST to /v1/charges with the secret key and the order id as idempotency key")
    func chargeRequest() async throws {
        try await Self.withStripe(status: 200, body: #"{"id":"ch_3Mtw","object":"charge","paid":true}"#) { gateway, server in
            let result = try await gateway.charge(Self.charge())
            #expect(result == .charged(id: "ch_3Mtw"))
            let request = try #require(server.requests.first)
            #expect(server.requests.count == 1)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/charges")
            #expect(request.headers["authorization"] == "Bearer \(Self.key)")
            #expect(request.headers["idempotency-key"] == "0b5a3c1e-9f5e-4d8a-8f4e-2c1d0e9b7a61")
            #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
            #expect(request.form == [
                "amount": "2050", "currency": "usd", "source": "tok_visa", "description": "Order 42 & co = paid",
            ])
            // Reserved characters are escaped, so a value can never add or split a field.
            #expect(request.body.contains("description=Order%2042%20%26%20co%20%3D%20paid"))
        }
    }

    @Test("Stripe's 402 card_declined is a declined charge carrying Stripe's message")
    func declined() async throws {
        let body = #"{"error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline","message":"Your card was declined."}}"#
        try await Self.withStripe(status: 402, body: body) { gateway, _ in
            let result = try await gateway.charge(Self.charge())
            #expect(result == .declined(message: "Your card was declined."))
        }
    }

    @Test("Stripe's 400 is an invalid request, naming the token when Stripe blames the source")
    func invalidRequest() async throws {
        let body = #"{"error":{"type":"invalid_request_error","code":"resource_missing","param":"source","message":"No such token: 'tok_nope'"}}"#
        try await Self.withStripe(status: 400, body: body) { gateway, _ in
            let result = try await gateway.charge(Self.charge())
            #expect(result == .invalid(message: "No such token: 'tok_nope'", field: "token"))
        }
    }

    @Test("Stripe's 500 is thrown as a transient error, to be retried with the same key")
    func serverError() async throws {
        try await Self.withStripe(status: 500, body: #"{"error":{"type":"api_error","message":"Something went wrong"}}"#) { gateway, _ in
            let error = await #expect(throws: PaymentGatewayError.self) { try await gateway.charge(Self.charge()) }
            #expect(error?.code == .unavailable)
        }
    }

    @Test("Stripe's 429 rate limit is transient, not the payer's fault")
    func rateLimited() async throws {
        try await Self.withStripe(status: 429, body: #"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests"}}"#) { gateway, _ in
            let error = await #expect(throws: PaymentGatewayError.self) { try await gateway.charge(Self.charge()) }
            #expect(error?.code == .unavailable)
        }
    }

    @Test("a rejected API key is thrown for an operator, never shown to the payer as a bad request")
    func badKey() async throws {
        try await Self.withStripe(status: 401, body: #"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_****"}}"#) { gateway, _ in
            let error = await #expect(throws: PaymentGatewayError.self) { try await gateway.charge(Self.charge()) }
            #expect(error?.code == .refused)
        }
    }

    @Test("an unreachable Stripe is thrown as a transient error")
    func unreachable() async throws {
        let server = try FakeStripeServer { _ in .init(status: 200, body: "{}") }
        let closedPort = server.baseURL
        server.stop()
        let gateway = StripeGateway(secretKey: Self.key, baseURL: closedPort, timeout: .seconds(5))
        let error = await #expect(throws: PaymentGatewayError.self) { try await gateway.charge(Self.charge()) }
        #expect(error?.code == .unavailable)
    }

    @Test("a refund posts the charge to /v1/refunds with its own idempotency key")
    func refund() async throws {
        try await Self.withStripe(status: 200, body: #"{"id":"re_1Nisp","object":"refund","status":"succeeded"}"#) { gateway, server in
            let result = try await gateway.refund(RefundRequest(chargeID: "ch_3Mtw", idempotencyKey: "refund-order-1"))
            #expect(result == .refunded(id: "re_1Nisp"))
            let request = try #require(server.requests.first)
            #expect(request.path == "/v1/refunds")
            #expect(request.form == ["charge": "ch_3Mtw"])
            #expect(request.headers["authorization"] == "Bearer \(Self.key)")
            #expect(request.headers["idempotency-key"] == "refund-order-1")
        }
    }

    @Test("refunding a charge Stripe already refunded counts as done")
    func alreadyRefunded() async throws {
        let body = #"{"error":{"type":"invalid_request_error","code":"charge_already_refunded","message":"Charge ch_3Mtw has already been refunded."}}"#
        try await Self.withStripe(status: 400, body: body) { gateway, _ in
            let result = try await gateway.refund(RefundRequest(chargeID: "ch_3Mtw", idempotencyKey: "refund-order-1"))
            #expect(result == .alreadyRefunded)
        }
    }
}
