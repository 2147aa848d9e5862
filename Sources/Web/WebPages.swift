import API
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Settings of the pages beyond the API's own.
public struct WebOptions: Sendable {
    /// How long a purchase retries while the orders service has not yet heard of a ticket that
    /// was just listed (its replica follows `ticket:created` a moment later).
    public var replicaPatience: Duration = .seconds(3)
    /// How long to wait after a payment for the order to show as complete before showing it.
    public var paymentPatience: Duration = .seconds(3)
    /// Whether the live-update stream (`/live/…`) is served.
    public var liveUpdates: Bool = true
    /// `STRIPE_PUBLISHABLE_KEY`: with it, the payment form turns the card into a token in the
    /// browser with Stripe.js, so card numbers never reach our servers; without it, the form
    /// takes the test gateway's card numbers.
    public var stripePublishableKey: String?

    public init() {}

    /// The defaults, with `STRIPE_PUBLISHABLE_KEY` from the environment when set.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> WebOptions {
        var options = WebOptions()
        if let key = environment["STRIPE_PUBLISHABLE_KEY"], !key.isEmpty { options.stripePublishableKey = key }
        return options
    }
}

/// The marketplace's web pages, served by the API process at `/` beside the JSON API under
/// `/api`: HTML rendered from Mustache templates, forms that work without JavaScript, the
/// session cookie the API uses, and the API's command bus and read repositories in-process.
public enum WebPages {
    /// Adds the pages' routes and middleware to the API's router (call it after the API's own
    /// routes: the page middleware then covers the pages and unknown paths, not `/api`), and
    /// returns the services to run beside the server (the live-update reader).
    public static func addRoutes(
        to router: Router<APIRequestContext>, services: APIServices, options: WebOptions = WebOptions()
    ) async throws -> [any Service] {
        let renderer = try await PageRenderer.load()
        let assets = try Assets.load()
        let live = options.liveUpdates ? services.redis.map { LiveEvents(redis: $0, keys: services.keys) } : nil
        let site = Site(
            renderer: renderer, services: services,
            csrf: CSRF(key: services.pageKey, secureCookies: services.secureCookies), options: options, live: live != nil)

        // Headers outermost, so error pages carry them too.
        router.add(middleware: PageHeadersMiddleware())
        router.add(middleware: PageErrorMiddleware(site: site))
        assets.addRoutes(to: router)
        TicketPages(site: site).addRoutes(to: router)
        AuthPages(site: site).addRoutes(to: router)
        OrderPages(site: site).addRoutes(to: router)
        WorkingPage(site: site).addRoutes(to: router)
        if let live { LivePages(site: site, live: live).addRoutes(to: router) }
        return live.map { [$0] } ?? []
    }
}
