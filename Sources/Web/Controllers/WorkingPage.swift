import API
import Contracts
import Foundation
import Hummingbird

/// `/working/:id`: a command was not answered within the request's wait (the JSON API's 202).
/// The page says so and reloads itself every second (a meta refresh, no script needed) until
/// the outcome is known, then goes where the form would have gone, or shows the refusal with
/// a way back. Only the command's sender can follow it, as with `/api/commands/:id`: for a
/// sign-up or sign-in, the browser that holds its poll key cookie (set for this path only).
struct WorkingPage: Sendable {
    let site: Site

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/working/:id") { request, context in
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw HTTPError(.notFound) }
            let back = Site.safeNext(request.uri.queryParameters["back"].map(String.init)) ?? "/"
            let visit = site.visit(request, context)
            let pollKey = PollKey.key(in: request)
            switch try await site.services.commands.poll(id, session: context.session, pollKey: pollKey) {
            case .unknown:
                throw HTTPError(.notFound)
            case .pending:
                return site.render(.working, title: "Still working", WorkingView(back: back), visit: visit, refreshSeconds: 1)
            case .replied(let type, let reply):
                switch Site.outcome(of: reply) {
                case .success(let reply):
                    var response = try await destination(type: type, reply: reply, back: back)
                    // Spent by this poll: the browser need not keep it.
                    if pollKey != nil {
                        response.setCookie(PollKey.clearing(path: Site.workingPath(id), secure: site.services.secureCookies))
                    }
                    return response
                case .refused(let status, let errors):
                    let view = WorkingView(back: back, errors: errors.general + errors.byField.values.sorted())
                    return site.render(.working, title: "That did not work", view, visit: visit, status: Site.status(status))
                case .working:
                    return site.render(.working, title: "Still working", WorkingView(back: back), visit: visit, refreshSeconds: 1)
                }
            }
        }
    }

    /// Where the form would have gone had the answer come at once.
    private func destination(type: String, reply: ServiceReply, back: String) async throws -> Response {
        switch type {
        case SignUp.type, SignIn.type:
            return try await AuthPages(site: site).signedIn(reply, next: nil)
        case CreateTicket.type, UpdateTicket.type:
            return site.redirect("/tickets/\(try MessageCoding.decode(TicketView.self, from: reply.body).id)")
        case CreateOrder.type:
            return site.redirect("/orders/\(try MessageCoding.decode(OrderView.self, from: reply.body).id)")
        case CreatePayment.type:
            return site.redirect("/orders/\(try MessageCoding.decode(PaymentView.self, from: reply.body).orderId)")
        default:
            return site.redirect(back)
        }
    }
}

struct WorkingView: Sendable {
    var back: String
    var failed: Bool
    var errors: [String]

    init(back: String, errors: [String] = []) {
        self.back = back
        self.errors = errors
        failed = !errors.isEmpty
    }
}
