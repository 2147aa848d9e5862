import API
import Contracts
import Foundation
import Hummingbird

/// `/orders` and `/orders/:id` (the countdown and the payment form). With the built-in test
/// gateway the form takes Stripe's test card numbers and sends their test tokens; the number
/// itself goes no further than this request: not logged, not stored, not in any stream.
struct OrderPages: Sendable {
    let site: Site

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/orders") { request, context in
            let visit = site.visit(request, context)
            guard let session = visit.session else { return site.signInFirst(request) }
            let orders = try await site.services.orders.orders(userID: session.userID)
            return site.render(.orders, title: "My orders", OrdersView(orders, now: Date()), visit: visit)
        }
        router.get("/orders/:id") { request, context in
            guard context.session != nil else { return site.signInFirst(request) }
            let confirming = request.uri.queryParameters["paid"] != nil
            return try await show(request, context, id: try orderID(context), confirming: confirming)
        }
        router.post("/orders/:id/pay") { request, context in try await pay(request, context) }
    }

    private func orderID(_ context: APIRequestContext) throws -> String {
        guard let id = RecordID.normalize(context.parameters.get("id") ?? "") else { throw HTTPError(.notFound) }
        return id
    }

    private func show(
        _ request: Request, _ context: APIRequestContext, id: String, confirming: Bool = false,
        card: Field = Field(), errors: [String] = [], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let visit = site.visit(request, context)
        guard let session = visit.session else { return site.signInFirst(request) }
        // Someone else's order is "not found", as in the JSON API: its existence is not revealed.
        guard let order = try await site.services.orders.order(id: id, userID: session.userID) else { throw HTTPError(.notFound) }
        var view = OrderPageView(order, now: Date(), confirming: confirming, card: card, errors: errors)
        view.stripeKey = site.options.stripePublishableKey
        return site.render(
            .order, title: "Order for \(order.ticket.title)", view, visit: visit, status: status,
            // Paid and not yet confirmed: look again shortly, with or without the script.
            refreshSeconds: view.confirming ? 2 : nil,
            liveURL: view.open ? "/live/orders/\(order.id)?phase=\(LivePages.phase(of: order.status))" : nil,
            stripe: view.open && view.stripeKey != nil)
    }

    private func pay(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let form = try await site.form(request, context)
        guard let session = context.session else { return site.signInFirst(request) }
        let id = try orderID(context)
        let token: String
        if site.options.stripePublishableKey != nil {
            // Stripe.js made the token in the browser; a card number sent anyway is ignored.
            guard let made = form["token"], !made.isEmpty else {
                return try await show(request, context, id: id, card: Field(error: "Enter your card details"), status: .badRequest)
            }
            token = made
        } else if let test = TestCards.token(for: form["card"] ?? "") {
            token = test
        } else {
            let error = (form["card"] ?? "").isEmpty ? "Enter a card number" : TestCards.hint
            return try await show(request, context, id: id, card: Field(error: error), status: .badRequest)
        }
        let command = try PaymentInput(orderId: id, token: token).create()
        switch try await site.send(command, session: session) {
        case .success:
            // The payment is made; the order turns complete when the orders service has read
            // payment:created, a moment later. Wait a little for it, so the page says "paid".
            let deadline = ContinuousClock.now + site.options.paymentPatience
            while ContinuousClock.now < deadline {
                if let order = try await site.services.orders.order(id: id, userID: session.userID), order.status == .complete {
                    return site.redirect("/orders/\(id)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            return site.redirect("/orders/\(id)?paid=1")
        case .refused(let status, let errors):
            // A decline (402) is about the card: say so beside it, and let another be tried.
            if status == 402 || errors.field("token") != nil {
                let message = errors.field("token") ?? errors.general.first ?? "Your card was declined"
                return try await show(request, context, id: id, card: Field(error: message), status: Site.status(status))
            }
            return try await show(request, context, id: id, errors: errors.general + errors.byField.values.sorted(), status: Site.status(status))
        case .working(let commandID, _):
            return site.working(commandID, back: "/orders/\(id)")
        }
    }
}

/// Stripe's test card numbers, as the built-in test gateway knows them by their tokens.
enum TestCards {
    static let hint = "Use a test card: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined"

    /// The test token for a card number typed with or without spaces or dashes; nil for any
    /// other number.
    static func token(for typed: String) -> String? {
        let digits = typed.filter { $0 != " " && $0 != "-" }
        guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        switch digits {
        case "4242424242424242": return "tok_visa"
        case "4000000000000002": return "tok_chargeDeclined"
        default: return nil
        }
    }
}

/// `/orders/:id`: the order, its deadline while unpaid, and how it ended.
struct OrderPageView: Sendable {
    var id: String
    var title: String
    var price: String
    var ticketHref: String
    var statusLabel: String
    var statusClass: String
    /// Unpaid and within its time: the countdown and the payment form show.
    var open: Bool
    var timeUp: Bool
    var secondsLeft: Int
    var timeLeft: String
    var expiresISO: String
    var expiresText: String
    var paid: Bool
    var ended: Bool
    var endedMessage: String?
    var confirming: Bool
    var payAction: String
    var card: Field
    var errors: [String]
    /// Stripe's publishable key when payments go through Stripe.js.
    var stripeKey: String?

    init(_ order: OrderView, now: Date, confirming: Bool, card: Field, errors: [String]) {
        id = order.id
        title = order.ticket.title
        price = Formatting.money(dollars: order.ticket.price)
        ticketHref = "/tickets/\(order.ticket.id)"
        let remaining = Int(order.expiresAt.timeIntervalSince(now).rounded(.down))
        let unpaid = order.status == .created || order.status == .awaitingPayment
        (statusLabel, statusClass) = OrderPageView.status(order, now: now)
        paid = order.status == .complete
        self.confirming = confirming && unpaid
        open = unpaid && remaining > 0 && !self.confirming
        timeUp = unpaid && remaining <= 0 && !self.confirming
        secondsLeft = max(0, remaining)
        timeLeft = Formatting.timeLeft(seconds: secondsLeft)
        expiresISO = Formatting.iso(order.expiresAt)
        expiresText = Formatting.utcText(order.expiresAt)
        ended = order.status == .cancelled
        endedMessage = order.status == .cancelled
            ? (order.expiresAt <= now
                ? "The time to pay ran out, so this order expired and the ticket went back on sale."
                : "This order was cancelled, and the ticket went back on sale.")
            : nil
        payAction = "/orders/\(order.id)/pay"
        self.card = card
        self.errors = errors
    }

    /// The words and style for an order's status.
    static func status(_ order: OrderView, now: Date) -> (String, String) {
        switch order.status {
        case .complete: ("Paid", "paid")
        case .cancelled: order.expiresAt <= now ? ("Expired", "ended") : ("Cancelled", "ended")
        case .created, .awaitingPayment: order.expiresAt <= now ? ("Time is up", "ended") : ("Awaiting payment", "open")
        }
    }
}

struct OrdersView: Sendable {
    struct Row: Sendable {
        var href: String
        var title: String
        var price: String
        var status: String
        var statusClass: String
    }

    var orders: [Row]
    var hasOrders: Bool

    init(_ orders: [OrderView], now: Date) {
        self.orders = orders.map { order in
            let (label, style) = OrderPageView.status(order, now: now)
            return Row(
                href: "/orders/\(order.id)", title: order.ticket.title, price: Formatting.money(dollars: order.ticket.price),
                status: label, statusClass: style)
        }
        hasOrders = !orders.isEmpty
    }
}
