import Foundation
import WorkerRuntime

/// Which gateway a worker charges through, from its environment: Stripe when `STRIPE_KEY` is
/// set, else the test gateway, which production refuses.
public enum GatewaySelection {
    /// - `STRIPE_KEY`: Stripe's secret key; unset or empty means the ``TestGateway``.
    /// - `STRIPE_BASE_URL`: Stripe's API root (default `https://api.stripe.com`).
    /// - `APP_ENV=production`: refuses to start without `STRIPE_KEY`, so a misconfigured
    ///   deployment cannot hand out tickets for test tokens.
    public static func gateway(environment: [String: String]) throws -> any PaymentGateway {
        let production = environment["APP_ENV"]?.lowercased() == "production"
        guard let key = environment["STRIPE_KEY"], !key.isEmpty else {
            if production {
                throw ConfigurationError("STRIPE_KEY must be set when APP_ENV=production: the payments worker will not take orders with the test gateway")
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
