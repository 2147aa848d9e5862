import API
import Contracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Web

@Suite("orders and payment")
struct OrderPageTests {
    @Test("an unpaid order shows the time left, rendered by the server, and the deadline without the script")
    func countdown() async throws {
        let fixture = WebFixture()
        let user = RecordID.make()
        let order = fixture.orders.add(user: user, ticket: fixture.tickets.add("Gig", cents: 2000), expiresIn: 14 * 60 + 30)
        try await fixture.run { client in
            let browser = Browser()
            _ = browser.signIn(user)
            let page = try await browser.send(client, .get, "/orders/\(order.id)")
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<strong id="time-left" role="timer">14:29</strong>"#) || page.text.contains(#"role="timer">14:30</strong>"#))
            #expect(page.text.contains(#"<time datetime="\#(Formatting.iso(order.expiresAt))" data-local>\#(Formatting.utcText(order.expiresAt))</time>"#))
            #expect(page.text.contains(#"<button type="submit" id="pay">Pay $20.00</button>"#))
            // Live updates are off here (no Redis): the page does not point its script at them.
            #expect(!page.text.contains("data-live"))
            #expect(page.text.contains(">Awaiting payment</span>"))
        }
    }

    @Test("how an order ended: paid, expired, cancelled; no payment form on any")
    func ended() async throws {
        let fixture = WebFixture()
        let user = RecordID.make()
        let paid = fixture.orders.add(user: user, ticket: fixture.tickets.add("Paid"), status: .complete)
        let expired = fixture.orders.add(user: user, ticket: fixture.tickets.add("Expired"), status: .cancelled, expiresIn: -5)
        let cancelled = fixture.orders.add(user: user, ticket: fixture.tickets.add("Cancelled"), status: .cancelled)
        let due = fixture.orders.add(user: user, ticket: fixture.tickets.add("Due"), expiresIn: -1)
        try await fixture.run { client in
            let browser = Browser()
            _ = browser.signIn(user)
            let cases = [
                (paid, "Paid. The ticket is yours."), (expired, "this order expired and the ticket went back on sale"),
                (cancelled, "This order was cancelled"), (due, "Time is up"),
            ]
            for (order, words) in cases {
                let page = try await browser.send(client, .get, "/orders/\(order.id)")
                #expect(page.text.contains(words), "\(order.ticket.title)")
                #expect(!page.text.contains(#"id="pay""#), "\(order.ticket.title)")
            }
            let list = try await browser.send(client, .get, "/orders")
            for label in [">Paid</span>", ">Expired</span>", ">Cancelled</span>", ">Time is up</span>"] {
                #expect(list.text.contains(label), "\(label)")
            }
        }
    }

    @Test("someone else's order is not found")
    func othersOrder() async throws {
        let fixture = WebFixture()
        let order = fixture.orders.add(user: RecordID.make(), ticket: fixture.tickets.add("Gig"))
        try await fixture.run { client in
            let browser = Browser()
            _ = browser.signIn()
            let response = try await browser.send(client, .get, "/orders/\(order.id)")
            #expect(response.status == .notFound)
        }
    }

    @Test("4242 4242 4242 4242 pays with tok_visa; the card number is in no command, and the page then says paid")
    func pays() async throws {
        let fixture = WebFixture()
        let user = RecordID.make()
        let order = fixture.orders.add(user: user, ticket: fixture.tickets.add("Gig"))
        fixture.commands.answer { type, data, _ in
            fixture.orders.set(order.id, status: .complete)
            return .replied(ServiceReply(status: 201, body: MessageCoding.encode(PaymentView(id: RecordID.make(), orderId: order.id, stripeId: "ch_1"))))
        }
        try await fixture.run { client in
            let browser = Browser()
            _ = browser.signIn(user)
            let paid = try await browser.submit(client, from: "/orders/\(order.id)", to: "/orders/\(order.id)/pay", ["card": "4242 4242 4242 4242"])
            #expect(paid.status == .seeOther)
            #expect(paid.headers[.location] == "/orders/\(order.id)")
            let sent = try #require(fixture.commands.sent.first)
            #expect(sent.type == CreatePayment.type)
            let command = try MessageCoding.decode(CreatePayment.self, from: sent.data)
            #expect(command.token == "tok_visa")
            #expect(command.orderId == order.id)
            #expect(!sent.data.contains("4242"))
            let page = try await browser.send(client, .get, "/orders/\(order.id)")
            #expect(page.text.contains("Paid. The ticket is yours."))
        }
    }

    @Test("4000 0000 0000 0002 is declined: the message shows beside the card field, the number is not echoed, another card can be tried")
    func declined() async throws {
        let fixture = WebFixture()
        let user = RecordID.make()
        let order = fixture.orders.add(user: user, ticket: fixture.tickets.add("Gig"))
        fixture.commands.answer { _, data, _ in
            data.contains("tok_chargeDeclined")
                ? .replied(ServiceReply(status: 402, body: MessageCoding.encode(ErrorBody(message: "Your card was declined"))))
                : .replied(ServiceReply(status: 500, body: "{}"))
        }
        try await fixture.run { client in
            let browser = Browser()
            _ = browser.signIn(user)
            let declined = try await browser.submit(client, from: "/orders/\(order.id)", to: "/orders/\(order.id)/pay", ["card": "4000-0000-0000-0002"])
            #expect(declined.status.code == 402)
            #expect(declined.text.contains(#"<p class="error" id="card-error" role="alert">Your card was declined</p>"#))
            #expect(declined.text.contains(#"id="pay""#), "the form is there for another card")
            #expect(!declined.text.contains("4000-0000"), "the number typed is not echoed")
            #expect(declined.text.contains(#"<input id="card" name="card" type="text" inputmode="numeric" autocomplete="off" placeholder="4242 4242 4242 4242" required"#))
            #expect(try MessageCoding.decode(CreatePayment.self, from: try #require(fixture.commands.sent.first).data).token == "tok_chargeDeclined")
        }
    }

    @Test("a number that is not a test card is refused beside the field and sends nothing")
    func unknownCard() async throws {
        let fixture = WebFixture()
        let user = RecordID.make()
        let order = fixture.orders.add(user: user, ticket: fixture.tickets.add("Gig"))
        try await fixture.run { client in
            let browser = Browser()
            _ = browser.signIn(user)
            for card in ["5555 5555 5555 4444", "tok_visa", ""] {
                let response = try await browser.submit(client, from: "/orders/\(order.id)", to: "/orders/\(order.id)/pay", ["card": card])
                #expect(response.status == .badRequest)
                #expect(response.text.contains(#"id="card-error""#))
                #expect(card.isEmpty || !response.text.contains(card))
            }
            #expect(fixture.commands.sent.isEmpty)
        }
    }

    @Test("with Stripe configured the card goes to Stripe.js: no card field is posted, the token is sent, the CSP lets Stripe's frame in")
    func stripe() async throws {
        let fixture = WebFixture(stripeKey: "pk_test_123")
        let user = RecordID.make()
        let order = fixture.orders.add(user: user, ticket: fixture.tickets.add("Gig"))
        fixture.commands.answer { _, _, _ in
            fixture.orders.set(order.id, status: .complete)
            return .replied(ServiceReply(status: 201, body: MessageCoding.encode(PaymentView(id: RecordID.make(), orderId: order.id, stripeId: "ch_1"))))
        }
        try await fixture.run { client in
            let browser = Browser()
            _ = browser.signIn(user)
            let page = try await browser.send(client, .get, "/orders/\(order.id)")
            #expect(page.text.contains(#"<script src="https://js.stripe.com/v3/"></script>"#))
            #expect(page.text.contains(#"id="stripe-payment" data-stripe-key="pk_test_123""#))
            #expect(page.text.contains(#"<div id="card-element" class="card-element"></div>"#))
            #expect(!page.text.contains(#"name="card""#), "no input that would post a card number")
            let policy = page.headers[.contentSecurityPolicy] ?? ""
            #expect(policy.contains("script-src 'self' https://js.stripe.com"))
            #expect(policy.contains("frame-src https://js.stripe.com"))
            #expect(!policy.contains("unsafe-inline"))
            // Other pages keep the strict policy.
            let home = try await browser.send(client, .get, "/")
            #expect(home.headers[.contentSecurityPolicy] == PageHeadersMiddleware.contentSecurityPolicy)
            #expect(!home.text.contains("js.stripe.com"))

            let missing = try await browser.submit(client, from: "/orders/\(order.id)", to: "/orders/\(order.id)/pay", ["card": "4242424242424242"])
            #expect(missing.status == .badRequest, "a card number is not a token")
            #expect(fixture.commands.sent.isEmpty)

            let paid = try await browser.submit(client, from: "/orders/\(order.id)", to: "/orders/\(order.id)/pay", ["token": "tok_1Abc"])
            #expect(paid.status == .seeOther)
            #expect(try MessageCoding.decode(CreatePayment.self, from: try #require(fixture.commands.sent.first).data).token == "tok_1Abc")
        }
    }

    @Test("my tickets says which are available, reserved and sold")
    func myTickets() async throws {
        let fixture = WebFixture()
        let seller = RecordID.make()
        _ = fixture.tickets.add("Free", owner: seller)
        _ = fixture.tickets.add("Held", owner: seller, order: RecordID.make())
        let sold = fixture.tickets.add("Gone", owner: seller, order: RecordID.make())
        fixture.tickets.markSold(sold.id)
        _ = fixture.tickets.add("Someone else's")
        try await fixture.run { client in
            let browser = Browser()
            _ = browser.signIn(seller)
            let page = try await browser.send(client, .get, "/tickets/mine")
            #expect(page.text.contains(#"Free</a></td><td class="price">$12.50</td><td><span class="status available">Available</span>"#))
            #expect(page.text.contains(#"<span class="status reserved">Reserved</span>"#))
            #expect(page.text.contains(#"<span class="status sold">Sold</span>"#))
            #expect(!page.text.contains("Someone else"))
        }
    }
}

@Suite("formatting")
struct FormattingTests {
    @Test("money as money, time left as minutes and seconds, test cards by number")
    func formats() {
        #expect(Formatting.money(cents: 5) == "$0.05")
        #expect(Formatting.money(cents: 1250) == "$12.50")
        #expect(Formatting.money(cents: 100_000_000) == "$1,000,000.00")
        #expect(Formatting.timeLeft(seconds: 899) == "14:59")
        #expect(Formatting.timeLeft(seconds: 3725) == "1:02:05")
        #expect(Formatting.timeLeft(seconds: -3) == "0:00")
        #expect(Formatting.utcText(Date(timeIntervalSince1970: 1_796_170_500)) == "2 Dec 2026, 00:15 UTC")
        #expect(TestCards.token(for: "4242 4242 4242 4242") == "tok_visa")
        #expect(TestCards.token(for: "4000000000000002") == "tok_chargeDeclined")
        #expect(TestCards.token(for: "4242 4242 4242 4241") == nil)
        #expect(TestCards.token(for: "４２４２４２４２４２４２４２４２") == nil)
    }
}

@Suite("live updates")
struct LiveTests {
    @Test("events name the record whose page should change: ticket:updated its ticket, order:cancelled and payment:created their order")
    func recordIDs() {
        let ticket = RecordID.make(), order = RecordID.make()
        let updated = MessageCoding.encode(TicketUpdated(id: ticket, title: "x", priceCents: 1, userId: RecordID.make(), orderId: order, version: 2))
        #expect(LiveEvents.recordID(.ticketUpdated, data: updated) == ticket)
        let paid = MessageCoding.encode(PaymentCreated(id: RecordID.make(), orderId: order, stripeId: "ch_1"))
        #expect(LiveEvents.recordID(.paymentCreated, data: paid) == order)
        #expect(LiveEvents.recordID(.ticketUpdated, data: "not json") == nil)
        #expect(LiveEvents.recordID(.ticketUpdated, data: nil) == nil)
    }

    @Test("the order page changes phase only when the buyer would see it: created and awaiting payment look the same")
    func phases() {
        #expect(LivePages.phase(of: .created) == LivePages.phase(of: .awaitingPayment))
        #expect(Set([OrderStatus.created, .complete, .cancelled].map(LivePages.phase)).count == 3)
    }
}
