import Foundation
import PaymentsService
import Testing
import WorkerRuntime

@Suite("choosing the payment gateway")
struct GatewaySelectionTests {
    @Test("production without STRIPE_KEY refuses to start, saying why")
    func productionNeedsStripe() throws {
        let error = #expect(throws: ConfigurationError.self) {
            try PaymentsService.definition(configuration: WorkerConfiguration(), environment: ["APP_ENV": "production"])
        }
        #expect(error?.description.contains("STRIPE_KEY") == true)
        #expect(error?.description.contains("APP_ENV=production") == true)
        #expect(throws: ConfigurationError.self) {
            try GatewaySelection.gateway(environment: ["APP_ENV": "production", "STRIPE_KEY": ""])
        }
    }

    @Test("STRIPE_KEY selects Stripe; without it, outside production, PAYMENT_GATEWAY=test selects the test gateway")
    func selection() throws {
        #expect(try GatewaySelection.gateway(environment: ["APP_ENV": "production", "STRIPE_KEY": "sk_live_x"]) is StripeGateway)
        #expect(try GatewaySelection.gateway(environment: ["STRIPE_KEY": "sk_test_x", "STRIPE_BASE_URL": "http://127.0.0.1:9"]) is StripeGateway)
        #expect(try GatewaySelection.gateway(environment: ["PAYMENT_GATEWAY": "test"]) is TestGateway)
        #expect(try GatewaySelection.gateway(environment: ["APP_ENV": "development", "PAYMENT_GATEWAY": "test"]) is TestGateway)
    }

    @Test("the test gateway is refused unless PAYMENT_GATEWAY=test asks for it, and always in production")
    func testGatewayNeedsAsking() {
        for environment: [String: String] in [
            [:], ["APP_ENV": "development"], ["PAYMENT_GATEWAY": "stripe"], ["PAYMENT_GATEWAY": "fake"],
            ["APP_ENV": "production", "PAYMENT_GATEWAY": "test"],
            ["APP_ENV": "production", "PAYMENT_GATEWAY": "test", "STRIPE_KEY": "sk_live_x"],
        ] {
            #expect(throws: ConfigurationError.self, "\(environment)") { try GatewaySelection.gateway(environment: environment) }
        }
        let error = #expect(throws: ConfigurationError.self) {
            try PaymentsService.definition(configuration: WorkerConfiguration(), environment: [:])
        }
        #expect(error?.description.contains("PAYMENT_GATEWAY=test") == true)
    }

    @Test("production refuses a Stripe base URL that is not https")
    func productionNeedsHTTPS() {
        #expect(throws: ConfigurationError.self) {
            try GatewaySelection.gateway(environment: ["APP_ENV": "production", "STRIPE_KEY": "sk_live_x", "STRIPE_BASE_URL": "http://stripe.internal"])
        }
    }

    @Test("the test gateway charges tok_visa once per key, declines tok_chargeDeclined, rejects other tokens")
    func testGateway() async throws {
        let gateway = TestGateway()
        func charge(_ token: String, key: String) async throws -> ChargeResult {
            try await gateway.charge(ChargeRequest(amountCents: 500, currency: "usd", token: token, description: "x", idempotencyKey: key))
        }
        let first = try await charge("tok_visa", key: "order-1")
        guard case .charged = first else { Issue.record("tok_visa was not charged: \(first)"); return }
        #expect(try await charge("tok_visa", key: "order-1") == first)
        #expect(try await charge("tok_visa", key: "order-2") != first)
        guard case .declined = try await charge("tok_chargeDeclined", key: "order-3") else { Issue.record("not declined"); return }
        guard case .invalid(_, "token") = try await charge("tok_other", key: "order-4") else { Issue.record("not invalid"); return }
    }

    @Test("the test gateway forgets a key after its lifetime: a repeat then is a new charge")
    func keysAreForgotten() async throws {
        let gateway = TestGateway(keyLifetime: .milliseconds(200))
        let request = ChargeRequest(amountCents: 500, currency: "usd", token: TestGateway.approvingToken, description: "d", idempotencyKey: "k")
        let first = try await gateway.charge(request)
        #expect(try await gateway.charge(request) == first)
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await gateway.charge(request) != first)
    }
}
