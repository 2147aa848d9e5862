import Foundation
import WorkerRuntime

/// Which gateway a worker charges through, from its environment: Stripe when `STRIPE_KEY` is
/// set; the test gateway only when asked for by name outside production; else it refuses to
/// start, so a deployment that forgot its key cannot hand out tickets for `tok_visa`.
public enum GatewaySelection {
    /// `PAYMENT_GATEWAY`'s value that asks for the ``TestGateway``.
    public static let testGatewayName = "test"

    /// - `STRIPE_KEY`: Stripe's secret key.
    /// - `PAYMENT_GATEWAY=test`: the ``TestGateway`` when `STRIPE_KEY` is unset, outside
    ///   production only.
    /// - `STRIPE_BASE_URL`: Stripe's API root (default `https://api.stripe.com`).
    /// - `APP_ENV=production`: refuses to start without `STRIPE_KEY`, and refuses the test gateway.
    public static func gateway(environment: [String: String]) throws -> any PaymentGateway {
        let production = environment["APP_ENV"]?.lowercased() == "production"
        let named = environment["PAYMENT_GATEWAY"].flatMap { $0.isEmpty ? nil : $0.lowercased() }
        if let named, named != testGatewayName, named != "stripe" {
            throw ConfigurationError("PAYMENT_GATEWAY must be stripe or test, not \(named)")
        }
        if production && named == testGatewayName {
            throw ConfigurationError("PAYMENT_GATEWAY=test is refused when APP_ENV=production")
        }
        guard let key = environment["STRIPE_KEY"], !key.isEmpty else {
            if production {
                throw ConfigurationError("STRIPE_KEY must be set when APP_ENV=production: the payments worker will not take orders with the test gateway")
            }
            guard named == testGatewayName else {
                throw ConfigurationError("STRIPE_KEY is not set: set it, or PAYMENT_GATEWAY=test for the built-in test gateway (development only)")
            }
            return TestGateway()
        }
        guard let raw = environment["STRIPE_BASE_URL"], !raw.isEmpty else {
            return StripeGateway(secretKey: key)
        }
        guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host != nil else {
            throw ConfigurationError("STRIPE_BASE_URL must be an http(s) URL, not \(raw)")
        }
        if production && scheme != "https" {
            throw ConfigurationError("STRIPE_BASE_URL must use https when APP_ENV=production")
        }
        return StripeGateway(secretKey: key, baseURL: url)
    }
}
