import API
import Contracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Web

@Suite("pages render")
struct PageRenderingTests {
    static let hostile = "<script>alert(1)</script>"

    @Test("the tickets page lists available tickets with money as money, a link each, and pages of 20")
    func home() async throws {
        let fixture = WebFixture()
        let first = fixture.tickets.add("Opera night", cents: 1250)
        _ = fixture.tickets.add("Taken", order: RecordID.make())
        for index in 0..<20 { _ = fixture.tickets.add("Show \(index)", cents: 123_456_78) }
        try await fixture.run { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains(#"<a href="/tickets/\#(first.id)"><span class="card-title">Opera night</span> <span class="price">$12.50</span></a>"#))
            #expect(!page.text.contains("Taken"))
            #expect(page.text.contains("$123,456.78"))
            #expect(page.text.contains(#"<a rel="next" href="/?page=2">"#))
            let second = try await client.execute(uri: "/?page=2", method: .get)
            #expect(second.text.contains("Show 19"))
            #expect(second.text.contains(#"<a rel="prev" href="/">"#))
            #expect(!second.text.contains(#"rel="next""#))
        }
    }

    @Test("a hostile title is text on every page that shows it, never markup")
    func hostileTitle() async throws {
        let fixture = WebFixture()
        let seller = RecordID.make(), buyer = RecordID.make()
        let ticket = fixture.tickets.add(Self.hostile, owner: seller)
        let order = fixture.orders.add(user: buyer, ticket: ticket)
        try await fixture.run { client in
            let sellerBrowser = Browser(), buyerBrowser = Browser()
            _ = sellerBrowser.signIn(seller)
            _ = buyerBrowser.signIn(buyer)
            let pages: [(Browser, String)] = [
                (Browser(), "/"), (buyerBrowser, "/tickets/\(ticket.id)"), (sellerBrowser, "/tickets/\(ticket.id)/edit"),
                (sellerBrowser, "/tickets/mine"), (buyerBrowser, "/orders"), (buyerBrowser, "/orders/\(order.id)"),
            ]
            for (browser, path) in pages {
                let page = try await browser.send(client, .get, path)
                #expect(page.status == .ok, "\(path)")
                #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(path)")
                #expect(!page.text.contains(Self.hostile), "\(path)")
            }
        }
    }

    @Test("a hostile email in the header is escaped, also inside attributes")
    func hostileEmail() async throws {
        let fixture = WebFixture()
        try await fixture.run { client in
            let browser = Browser()
            _ = browser.signIn(email: #""><img src=x onerror=alert(1)>@example.com"#)
            let page = try await browser.send(client, .get, "/")
            #expect(page.text.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;@example.com"))
            #expect(!page.text.contains("<img"))
        }
    }

    @Test("the header shows the user's email and links when signed in, Sign up and Sign in when not")
    func header() async throws {
        let fixture = WebFixture()
        try await fixture.run { client in
            let anonymous = try await client.execute(uri: "/", method: .get)
            #expect(anonymous.text.contains(#"<a href="/auth/signup">Sign up</a>"#))
            #expect(anonymous.text.contains(#"<a href="/auth/signin">Sign in</a>"#))
            #expect(!anonymous.text.contains("Sign out"))

            let browser = Browser()
            _ = browser.signIn(email: "seller@example.com")
            let page = try await browser.send(client, .get, "/")
            for expected in [
                "seller@example.com", #"<a href="/tickets/new">Sell a ticket</a>"#, #"<a href="/tickets/mine">My tickets</a>"#,
                #"<a href="/orders">My orders</a>"#, #"<form method="post" action="/auth/signout">"#, "Sign out</button>",
            ] {
                #expect(page.text.contains(expected), "\(expected)")
            }
            #expect(!page.text.contains(#"href="/auth/signup""#))
        }
    }

    @Test("every page: a CSP with no inline script, no-store, only our own script file, and labels for inputs")
    func headersAndMarkup() async throws {
        let fixture = WebFixture()
        let user = RecordID.make()
        let ticket = fixture.tickets.add("Gig", owner: RecordID.make())
        let order = fixture.orders.add(user: user, ticket: ticket)
        try await fixture.run { client in
            let browser = Browser()
            _ = browser.signIn(user)
            for path in ["/", "/auth/signup", "/auth/signin", "/tickets/new", "/tickets/mine", "/tickets/\(ticket.id)", "/orders", "/orders/\(order.id)", "/nowhere"] {
                // The sign-up and sign-in forms are for signed-out visitors (others are sent on).
                let page = try await (path.hasPrefix("/auth/") ? Browser() : browser).send(client, .get, path)
                let policy = page.headers[.contentSecurityPolicy] ?? ""
                #expect(policy.contains("script-src 'self'"), "\(path)")
                #expect(policy.contains("default-src 'none'"), "\(path)")
                #expect(!policy.contains("unsafe-inline"), "\(path)")
                #expect(page.headers[.cacheControl] == "no-store", "\(path)")
                #expect(page.headers[.xContentTypeOptions] == "nosniff", "\(path)")
                // Every <script> loads our file; none has a body or an inline handler.
                let scripts = page.text.components(separatedBy: "<script").dropFirst()
                #expect(scripts.count == 1, "\(path)")
                #expect(scripts.allSatisfy { $0.hasPrefix(#" src="/assets/site.js" defer></script>"#) }, "\(path)")
                #expect(page.text.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil, "\(path)")
                // Every visible input has a label.
                for id in Self.inputIDs(page.text) {
                    #expect(page.text.contains(#"<label for="\#(id)">"#), "\(path): input \(id) has no label")
                }
            }
        }
    }

    @Test("the stylesheet and script are served with caching; the favicon points at our icon")
    func assets() async throws {
        try await WebFixture().run { client in
            let css = try await client.execute(uri: "/assets/site.css", method: .get)
            #expect(css.status == .ok)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(css.headers[.cacheControl] == "public, max-age=86400")
            let etag = try #require(css.headers[.eTag])
            let again = try await client.execute(uri: "/assets/site.css", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            let script = try await client.execute(uri: "/assets/site.js", method: .get)
            #expect(script.text.contains("EventSource"))
            #expect(try await client.execute(uri: "/assets/nope.js", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/favicon.ico", method: .get).headers[.location] == "/assets/icon.svg")
        }
    }

    @Test("an unknown page is a friendly 404 in the site's look; an unknown /api path is not HTML")
    func notFound() async throws {
        try await WebFixture().run { client in
            let page = try await client.execute(uri: "/no/such/page", method: .get)
            #expect(page.status == .notFound)
            #expect(page.text.contains("<h1>Page not found</h1>"))
            #expect(page.text.contains(#"<a class="brand" href="/">Ticketing</a>"#))
            let missingTicket = try await client.execute(uri: "/tickets/\(RecordID.make())", method: .get)
            #expect(missingTicket.status == .notFound)
            #expect(missingTicket.text.contains("Page not found"))
            let api = try await client.execute(uri: "/api/nothing", method: .get)
            #expect(api.status == .notFound)
            #expect(api.headers[.contentType] != "text/html; charset=utf-8")
        }
    }

    static func inputIDs(_ html: String) -> [String] {
        html.components(separatedBy: "<input").dropFirst().compactMap { tag -> String? in
            let tag = tag.prefix { $0 != ">" }
            guard !tag.contains(#"type="hidden""#), let range = tag.range(of: #"id=""#) else { return nil }
            return String(tag[range.upperBound...].prefix { $0 != "\"" })
        }
    }
}
