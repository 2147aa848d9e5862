import API
import Contracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
@testable import Web

@Suite("forms")
struct FormTests {
    static func created(_ ticket: TicketView) -> CommandResult { .replied(ServiceReply(status: 201, body: MessageCoding.encode(ticket))) }

    static func refused(_ status: Int, _ message: String, field: String? = nil) -> CommandResult {
        .replied(ServiceReply(status: status, body: MessageCoding.encode(ErrorBody(message: message, field: field))))
    }

    @Test("pages that need a user send a signed-out visitor to sign in, and back afterwards")
    func signedOutRedirects() async throws {
        let fixture = WebFixture()
        let order = fixture.orders.add(user: RecordID.make(), ticket: fixture.tickets.add("Gig"))
        try await fixture.run { client in
            for path in ["/tickets/new", "/tickets/mine", "/orders", "/orders/\(order.id)", "/tickets/\(order.ticket.id)/edit"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .seeOther, "\(path)")
                #expect(response.headers[.location] == "/auth/signin?next=\(path)", "\(path)")
            }
            let signIn = try await client.execute(uri: "/auth/signin?next=%2Forders", method: .get)
            #expect(signIn.text.contains(#"<input type="hidden" name="next" value="/orders">"#))
            // Only paths of this site: never another host.
            let offsite = try await client.execute(uri: "/auth/signin?next=%2F%2Fevil.example", method: .get)
            #expect(!offsite.text.contains("evil.example"))
        }
    }

    @Test("a form without the CSRF token, or with another browser's, is refused with 403 and never acted on")
    func csrfRefusal() async throws {
        let fixture = WebFixture()
        fixture.commands.answer { _, _, _ in Self.created(TicketView(id: RecordID.make(), title: "x", priceCents: 100, userId: "", version: 0, orderId: nil)) }
        let ticket = fixture.tickets.add("Gig")
        try await fixture.run { client in
            let browser = Browser(), other = Browser()
            let user = browser.signIn()
            _ = other.signIn(user)
            _ = try await browser.send(client, .get, "/tickets/new")
            let missing = try await browser.send(client, .post, "/tickets", form: ["title": "Gig", "price": "10"])
            #expect(missing.status == .forbidden)
            #expect(missing.text.contains("This form has expired"))

            let theirs = try #require(try await other.send(client, .get, "/tickets/new").csrfToken)
            let stolen = try await browser.send(client, .post, "/tickets", form: ["title": "Gig", "price": "10", "_csrf": theirs])
            #expect(stolen.status == .forbidden)

            for action in ["/tickets/\(ticket.id)/purchase", "/tickets/\(ticket.id)", "/orders/\(RecordID.make())/pay", "/auth/signout"] {
                let response = try await browser.send(client, .post, action, form: ["_csrf": "forged", "card": "4242424242424242"])
                #expect(response.status == .forbidden, "\(action)")
            }
            #expect(browser.cookie("session") != nil, "sign-out without a token does not sign out")
            #expect(fixture.commands.sent.isEmpty)

            let accepted = try await browser.submit(client, from: "/tickets/new", to: "/tickets", ["title": "Gig", "price": "10"])
            #expect(accepted.status == .seeOther)
            #expect(fixture.commands.sent.count == 1)
        }
    }

    @Test("a token stops working when the user changes: signed in as someone else, an old form is refused")
    func csrfBoundToUser() async throws {
        let fixture = WebFixture()
        try await fixture.run { client in
            let browser = Browser()
            _ = browser.signIn()
            let token = try #require(try await browser.send(client, .get, "/tickets/new").csrfToken)
            _ = browser.signIn()
            let response = try await browser.send(client, .post, "/tickets", form: ["title": "Gig", "price": "10", "_csrf": token])
            #expect(response.status == .forbidden)
        }
    }

    @Test("sign up: invalid input comes back beside its field with the email kept and the password not; success sets the session and redirects")
    func signUp() async throws {
        let fixture = WebFixture()
        let id = RecordID.make()
        fixture.commands.answer { type, data, _ in
            #expect(type == SignUp.type)
            if data.contains("taken@example.com") { return Self.refused(400, "Email in use", field: "email") }
            return .replied(ServiceReply(status: 201, body: MessageCoding.encode(UserView(id: id, email: "new@example.com"))))
        }
        try await fixture.run { client in
            let browser = Browser()
            let invalid = try await browser.submit(client, from: "/auth/signup", to: "/auth/signup", ["email": "not-an-email", "password": "short"])
            #expect(invalid.status == .badRequest)
            #expect(invalid.text.contains(#"value="not-an-email" autofocus aria-invalid="true" aria-describedby="email-error""#))
            #expect(invalid.text.contains(#"<p class="error" id="email-error">Email must be valid</p>"#))
            #expect(invalid.text.contains(#"<p class="error" id="password-error">Password must be at least 8 characters</p>"#))
            #expect(!invalid.text.contains("short\""))
            #expect(fixture.commands.sent.isEmpty, "invalid input is not sent")

            let taken = try await browser.submit(client, from: "/auth/signup", to: "/auth/signup", ["email": "taken@example.com", "password": "password123"])
            #expect(taken.status == .badRequest)
            #expect(taken.text.contains(#"<p class="error" id="email-error">Email in use</p>"#))
            #expect(!taken.text.contains("password123"))

            let done = try await browser.submit(client, from: "/auth/signup?next=%2Ftickets%2Fnew", to: "/auth/signup",
                                                ["email": "new@example.com", "password": "password123", "next": "/tickets/new"])
            #expect(done.status == .seeOther)
            #expect(done.headers[.location] == "/tickets/new")
            #expect(browser.cookie("session") == "\(id)|new@example.com")
            let signedIn = try await browser.send(client, .get, "/")
            #expect(signedIn.text.contains("new@example.com"))

            let out = try await browser.submit(client, from: "/", to: "/auth/signout", [:])
            #expect(out.status == .seeOther)
            #expect(browser.cookie("session") == nil)
        }
    }

    @Test("sign in: a refusal without a field shows above the form")
    func signInRefused() async throws {
        let fixture = WebFixture()
        fixture.commands.answer { _, _, _ in Self.refused(400, "Invalid credentials") }
        try await fixture.run { client in
            let browser = Browser()
            let response = try await browser.submit(client, from: "/auth/signin", to: "/auth/signin", ["email": "a@example.com", "password": "wrong-password"])
            #expect(response.status == .badRequest)
            #expect(response.text.contains(#"<p class="alert" role="alert">Invalid credentials</p>"#))
            #expect(response.text.contains(#"value="a@example.com""#))
        }
    }

    @Test("selling: the price is entered as money; the new ticket's page follows (POST-redirect-GET)")
    func sell() async throws {
        let fixture = WebFixture()
        let created = TicketView(id: RecordID.make(), title: "Gig", priceCents: 1250, userId: "", version: 0, orderId: nil)
        fixture.commands.answer { _, _, _ in Self.created(created) }
        try await fixture.run { client in
            let browser = Browser()
            let seller = browser.signIn()
            let bad = try await browser.submit(client, from: "/tickets/new", to: "/tickets", ["title": "  ", "price": "12.505"])
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains(#"<p class="error" id="title-error">Title is required</p>"#))
            #expect(bad.text.contains(#"id="price-error">Price must be greater than 0"#))
            #expect(bad.text.contains(#"value="12.505""#))

            let done = try await browser.submit(client, from: "/tickets/new", to: "/tickets", ["title": "Gig", "price": "$1,012.50"])
            #expect(done.status == .seeOther)
            #expect(done.headers[.location] == "/tickets/\(created.id)")
            let sent = try #require(fixture.commands.sent.last)
            #expect(sent.type == CreateTicket.type)
            let command = try MessageCoding.decode(CreateTicket.self, from: sent.data)
            #expect(command.title == "Gig")
            #expect(command.priceCents == 101_250)
            #expect(sent.userID == seller)
        }
    }

    @Test("the ticket page: Purchase for a buyer; for the owner Edit, disabled with the reason while reserved; reserved for others")
    func ticketPage() async throws {
        let fixture = WebFixture()
        let seller = RecordID.make()
        let free = fixture.tickets.add("Free", owner: seller)
        let held = fixture.tickets.add("Held", owner: seller, order: RecordID.make())
        try await fixture.run { client in
            let owner = Browser(), buyer = Browser()
            _ = owner.signIn(seller)
            _ = buyer.signIn()
            let ownFree = try await owner.send(client, .get, "/tickets/\(free.id)")
            #expect(ownFree.text.contains(#"<a class="button" href="/tickets/\#(free.id)/edit">Edit</a>"#))
            #expect(!ownFree.text.contains("Purchase"))
            let ownHeld = try await owner.send(client, .get, "/tickets/\(held.id)")
            #expect(ownHeld.text.contains(#"<button type="button" disabled aria-describedby="edit-reason">Edit</button>"#))
            #expect(ownHeld.text.contains("You cannot edit this ticket while a buyer has it reserved."))
            let edit = try await owner.send(client, .get, "/tickets/\(held.id)/edit")
            #expect(edit.text.contains("<fieldset disabled"))

            let buyFree = try await buyer.send(client, .get, "/tickets/\(free.id)")
            #expect(buyFree.text.contains(#"<button type="submit" id="purchase">Purchase</button>"#))
            #expect(buyFree.text.contains(">Available</span>"))
            let buyHeld = try await buyer.send(client, .get, "/tickets/\(held.id)")
            #expect(!buyHeld.text.contains("Purchase"))
            #expect(buyHeld.text.contains(">Reserved</span>"))
            #expect(buyHeld.text.contains("Someone is buying this ticket right now."))
            fixture.tickets.markSold(held.id)
            let ownSold = try await owner.send(client, .get, "/tickets/\(held.id)")
            #expect(ownSold.text.contains(">Sold</span>"))
            #expect(ownSold.text.contains("This ticket is sold, so it can no longer be changed."))
            let buySold = try await buyer.send(client, .get, "/tickets/\(held.id)")
            #expect(buySold.text.contains("This ticket has been sold."))
            #expect(!buySold.text.contains("Purchase"))
            let notYours = try await buyer.send(client, .get, "/tickets/\(free.id)/edit")
            #expect(notYours.status == .forbidden)

            let anonymous = try await client.execute(uri: "/tickets/\(free.id)", method: .get)
            #expect(anonymous.text.contains("Sign in to buy"))
        }
    }

    @Test("purchase goes to the new order; a refusal shows on the ticket page; a just-listed ticket is retried until the orders service knows it")
    func purchase() async throws {
        let fixture = WebFixture()
        let ticket = fixture.tickets.add("Gig")
        let attempts = AttemptCounter()
        let orderID = RecordID.make()
        fixture.commands.answer { _, _, session in
            switch attempts.next() {
            case 1: return Self.refused(404, "Ticket not found")
            case 2: return .replied(ServiceReply(status: 201, body: MessageCoding.encode(OrderView(
                id: orderID, status: .created, userId: session?.userID ?? "", expiresAt: Date().addingTimeInterval(900), version: 0,
                ticket: .init(id: ticket.id, title: "Gig", priceCents: 1250)))))
            default: return Self.refused(400, "Ticket is already reserved")
            }
        }
        try await fixture.run { client in
            let browser = Browser()
            _ = browser.signIn()
            let bought = try await browser.submit(client, from: "/tickets/\(ticket.id)", to: "/tickets/\(ticket.id)/purchase", [:])
            #expect(bought.status == .seeOther)
            #expect(bought.headers[.location] == "/orders/\(orderID)")
            #expect(try MessageCoding.decode(CreateOrder.self, from: try #require(fixture.commands.sent.last).data).ticketId == ticket.id)

            let again = try await browser.submit(client, from: "/tickets/\(ticket.id)", to: "/tickets/\(ticket.id)/purchase", [:])
            #expect(again.status == .badRequest)
            #expect(again.text.contains(#"<p class="alert" role="alert">Ticket is already reserved</p>"#))
        }
    }

    @Test("a command not answered within the wait shows the still-working page, which refreshes itself to the outcome")
    func stillWorking() async throws {
        let fixture = WebFixture()
        let command = UUID()
        fixture.commands.answer { _, _, _ in .pending(command, pollKey: nil) }
        try await fixture.run { client in
            let browser = Browser()
            _ = browser.signIn()
            let sent = try await browser.submit(client, from: "/tickets/new", to: "/tickets", ["title": "Slow", "price": "5"])
            #expect(sent.status == .seeOther)
            let location = try #require(sent.headers[.location])
            #expect(location == "/working/\(command.uuidString.lowercased())?back=/tickets/new")

            fixture.commands.setPoll(command, .pending(type: CreateTicket.type))
            let waiting = try await browser.send(client, .get, location)
            #expect(waiting.status == .ok)
            #expect(waiting.text.contains(#"<meta http-equiv="refresh" content="1">"#))
            #expect(waiting.text.contains("Still working"))

            let ticket = TicketView(id: RecordID.make(), title: "Slow", priceCents: 500, userId: "", version: 0, orderId: nil)
            fixture.commands.setPoll(command, .replied(type: CreateTicket.type, ServiceReply(status: 201, body: MessageCoding.encode(ticket))))
            let done = try await browser.send(client, .get, location)
            #expect(done.status == .seeOther)
            #expect(done.headers[.location] == "/tickets/\(ticket.id)")

            fixture.commands.setPoll(command, .replied(type: CreateTicket.type, ServiceReply(
                status: 400, body: MessageCoding.encode(ErrorBody(message: "Title is taken", field: "title")))))
            let refused = try await browser.send(client, .get, location)
            #expect(refused.status == .badRequest)
            #expect(refused.text.contains("Title is taken"))
            #expect(refused.text.contains(#"<a href="/tickets/new">Go back and try again</a>"#))

            let unknown = try await browser.send(client, .get, "/working/\(UUID().uuidString.lowercased())")
            #expect(unknown.status == .notFound)
        }
    }
}

/// Counts calls across the closure's invocations.
final class AttemptCounter: Sendable {
    private let count = Mutex<Int>(0)
    func next() -> Int { count.withLock { $0 += 1; return $0 } }
}
