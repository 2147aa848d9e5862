import API
import Contracts
import Foundation
import Hummingbird

/// `/` (tickets for sale), `/tickets/new`, `/tickets/mine`, `/tickets/:id` with Purchase, and
/// the owner's `/tickets/:id/edit`.
struct TicketPages: Sendable {
    static let pageSize = 20
    let site: Site

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/") { request, context in try await home(request, context) }
        router.get("/tickets/new") { request, context in
            let visit = site.visit(request, context)
            guard visit.session != nil else { return site.signInFirst(request) }
            return site.render(.ticketForm, title: "Sell a ticket", TicketFormView.new(), visit: visit)
        }
        router.post("/tickets") { request, context in try await create(request, context) }
        router.get("/tickets/mine") { request, context in try await mine(request, context) }
        router.get("/tickets/:id") { request, context in
            try await show(request, context, id: try ticketID(context))
        }
        router.get("/tickets/:id/edit") { request, context in try await edit(request, context) }
        router.post("/tickets/:id") { request, context in try await update(request, context) }
        router.post("/tickets/:id/purchase") { request, context in try await purchase(request, context) }
    }

    private func ticketID(_ context: APIRequestContext) throws -> String {
        guard let id = RecordID.normalize(context.parameters.get("id") ?? "") else { throw HTTPError(.notFound) }
        return id
    }

    // MARK: Reading

    private func home(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let number = request.uri.queryParameters["page"].flatMap { Int(String($0)) }.map { min(max($0, 1), 10_000) } ?? 1
        // One more than a page, to know whether there is a next one.
        let found = try await site.services.tickets.available(limit: Self.pageSize + 1, offset: (number - 1) * Self.pageSize)
        let rows = found.prefix(Self.pageSize).map(TicketRow.init)
        let view = HomeView(
            tickets: Array(rows), pageNumber: number,
            previousHref: number > 1 ? (number == 2 ? "/" : "/?page=\(number - 1)") : nil,
            nextHref: found.count > Self.pageSize ? "/?page=\(number + 1)" : nil)
        return site.render(.home, title: "Tickets for sale", view, visit: site.visit(request, context))
    }

    private func show(
        _ request: Request, _ context: APIRequestContext, id: String,
        errors: FormErrors = FormErrors(), status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let ticket = try await site.services.tickets.ticket(id: id) else { throw HTTPError(.notFound) }
        let visit = site.visit(request, context)
        // The viewer's own order on it, if any: a link to it instead of "reserved".
        var yourOrder: OrderView?
        if let session = visit.session, let orderID = ticket.orderId {
            yourOrder = try await site.services.orders.order(id: orderID, userID: session.userID)
        }
        let sold = ticket.orderId != nil ? try await site.services.tickets.isSold(id: ticket.id) : false
        let view = TicketPageView(ticket: ticket, sold: sold, session: visit.session, yourOrder: yourOrder, errors: errors, path: request.uri.path)
        return site.render(
            .ticket, title: ticket.title, view, visit: visit, status: status,
            liveURL: "/live/tickets/\(ticket.id)?version=\(ticket.version)")
    }

    private func mine(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let visit = site.visit(request, context)
        guard let session = visit.session else { return site.signInFirst(request) }
        let owned = try await site.services.tickets.owned(by: session.userID)
        return site.render(.myTickets, title: "My tickets", MyTicketsView(owned), visit: visit)
    }

    private func edit(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let visit = site.visit(request, context)
        guard let session = visit.session else { return site.signInFirst(request) }
        let id = try ticketID(context)
        guard let ticket = try await site.services.tickets.ticket(id: id) else { throw HTTPError(.notFound) }
        guard ticket.userId == session.userID else {
            return site.errorPage(request, context, status: .forbidden, message: "Only the seller can edit this ticket.")
        }
        return site.render(.ticketForm, title: "Edit \(ticket.title)", TicketFormView.edit(ticket), visit: visit)
    }

    // MARK: Changing

    private func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let form = try await site.form(request, context)
        let visit = site.visit(request, context)
        guard let session = visit.session else { return site.signInFirst(request) }
        let title = form["title"] ?? "", price = form["price"] ?? ""
        func again(_ errors: FormErrors, _ status: HTTPResponse.Status) -> Response {
            site.render(.ticketForm, title: "Sell a ticket", TicketFormView.new(title: title, price: price, errors: errors), visit: visit, status: status)
        }
        let command: CreateTicket
        do {
            command = try TicketInput(title: title, price: Self.priceText(price)).create()
        } catch let error as APIError {
            return again(FormErrors(error.body.errors), .badRequest)
        }
        switch try await site.send(command, session: session) {
        case .success(let reply):
            let ticket = try MessageCoding.decode(TicketView.self, from: reply.body)
            return site.redirect("/tickets/\(ticket.id)")
        case .refused(let status, let errors): return again(errors, Site.status(status))
        case .working(let id, _): return site.working(id, back: "/tickets/new")
        }
    }

    private func update(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let form = try await site.form(request, context)
        let visit = site.visit(request, context)
        guard let session = visit.session else { return site.signInFirst(request) }
        let id = try ticketID(context)
        guard let ticket = try await site.services.tickets.ticket(id: id) else { throw HTTPError(.notFound) }
        let title = form["title"] ?? "", price = form["price"] ?? ""
        func again(_ errors: FormErrors, _ status: HTTPResponse.Status) -> Response {
            site.render(
                .ticketForm, title: "Edit \(ticket.title)", TicketFormView.edit(ticket, title: title, price: price, errors: errors),
                visit: visit, status: status)
        }
        let command: UpdateTicket
        do {
            command = try TicketInput(title: title, price: Self.priceText(price)).update(id: id)
        } catch let error as APIError {
            return again(FormErrors(error.body.errors), .badRequest)
        }
        switch try await site.send(command, session: session) {
        case .success: return site.redirect("/tickets/\(id)")
        case .refused(let status, let errors): return again(errors, Site.status(status))
        case .working(let commandID, _): return site.working(commandID, back: "/tickets/\(id)/edit")
        }
    }

    private func purchase(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try await site.form(request, context)
        guard let session = context.session else { return site.signInFirst(request) }
        let id = try ticketID(context)
        let command = try OrderInput(ticketId: id).create()
        let deadline = ContinuousClock.now + site.options.replicaPatience
        var first = true
        while true {
            let outcome = try await site.send(command, session: session, counted: first)
            first = false
            switch outcome {
            case .success(let reply):
                let order = try MessageCoding.decode(OrderView.self, from: reply.body)
                return site.redirect("/orders/\(order.id)")
            case .refused(404, _) where ContinuousClock.now < deadline:
                // The orders service has not heard of a ticket listed a moment ago: ask again.
                try await Task.sleep(for: .milliseconds(100))
            case .refused(let status, let errors):
                return try await show(request, context, id: id, errors: errors, status: Site.status(status))
            case .working(let commandID, _):
                return site.working(commandID, back: "/tickets/\(id)")
            }
        }
    }

    /// A price as typed: `12.50`, `$12.50`, `1,250`, spaces around; nil when left empty.
    static func priceText(_ raw: String) -> PriceText? {
        var text = raw.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("$") { text.removeFirst() }
        text = text.replacingOccurrences(of: ",", with: "").trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? nil : .text(text)
    }
}
