import API
import Contracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("cross-site requests", .timeLimit(.minutes(3)))
struct CrossSiteTests {
    static let ticket = #"{"title":"A show","price":20}"#

    @Test("a text/plain (or untyped) POST of valid JSON gets 415 and has no effect")
    func textPlainRefused() async throws {
        try await APITestHarness.with { harness, client in
            let (token, _) = try await client.signUp()
            for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", nil] {
                var headers: HTTPFields = [.authorization: "Bearer \(token)"]
                if let type { headers[.contentType] = type }
                let response = try await client.execute(uri: "/api/tickets", method: .post, headers: headers, body: ByteBuffer(string: Self.ticket))
                #expect(response.status == .unsupportedMediaType, "\(type ?? "no type")")
                #expect(response.errors.count == 1)
            }
            let signUp = try await client.execute(
                uri: "/api/users/signup", method: .post, headers: [.contentType: "text/plain;charset=UTF-8"],
                body: ByteBuffer(string: #"{"email":"csrf@example.com","password":"password123"}"#))
            #expect(signUp.status == .unsupportedMediaType)
            #expect(signUp.sessionCookie == nil)
            let typed = try await client.execute(
                uri: "/api/tickets", method: .post,
                headers: [.authorization: "Bearer \(token)", .contentType: "Application/JSON; charset=utf-8"], body: ByteBuffer(string: Self.ticket))
            #expect(typed.status == .created)
            #expect(harness.responder.count(CreateTicket.type) == 1)
            #expect(harness.responder.count(SignUp.type) == 1)
        }
    }

    @Test("a cross-site Origin or Sec-Fetch-Site gets 403 on every state-changing route, bodiless ones too, and nothing is sent")
    func crossSiteRefused() async throws {
        try await APITestHarness.with { harness, client in
            let (token, _) = try await client.signUp()
            let evil: HTTPFields = [.origin: "https://evil.example"]
            let requests: [(HTTPRequest.Method, String, String?)] = [
                (.post, "/api/tickets", Self.ticket), (.put, "/api/tickets/\(CommandTests.id)", Self.ticket),
                (.post, "/api/orders", #"{"ticketId":"\#(CommandTests.id)"}"#), (.delete, "/api/orders/\(CommandTests.id)", nil),
                (.post, "/api/payments", #"{"orderId":"\#(CommandTests.id)","token":"tok_visa"}"#),
                (.post, "/api/users/signout", nil), (.post, "/api/users/signin", #"{"email":"a@example.com","password":"right-password"}"#),
            ]
            for (method, path, json) in requests {
                for headers in [evil, [.origin: "null"], [.secFetchSite: "cross-site"], [.origin: "http://localhost.evil.example"]] {
                    let response = try await client.send(method, path, json: json, token: token, headers: headers)
                    #expect(response.status == .forbidden, "\(method) \(path) \(headers)")
                    #expect(response.errors.count == 1)
                    #expect(response.sessionSetCookie == nil)
                }
            }
            #expect(harness.responder.handled.filter { $0.type != SignUp.type }.isEmpty)
            // Reading is not changing: a cross-site GET is answered as usual.
            #expect(try await client.send(.get, "/api/users/currentuser", token: token, headers: evil).status == .ok)
        }
    }

    @Test("same-origin, same-site and requests without Origin pass")
    func sameOriginPasses() async throws {
        try await APITestHarness.with { harness, client in
            let (token, _) = try await client.signUp()
            // The router's test requests are addressed to "localhost".
            for headers: HTTPFields in [[.origin: "http://localhost"], [.secFetchSite: "same-origin"], [.secFetchSite: "same-site"], [:]] {
                let response = try await client.send(.post, "/api/tickets", json: Self.ticket, token: token, headers: headers)
                #expect(response.status == .created, "\(headers)")
            }
            #expect(harness.responder.count(CreateTicket.type) == 4)
        }
    }

    @Test("with PUBLIC_ORIGIN set, only its origins pass")
    func configuredOrigin() async throws {
        try await APITestHarness.with(configure: { $0.publicOrigins = ["https://Tickets.example.com/"] }) { _, client in
            let (token, _) = try await client.signUp()
            let allowed = try await client.send(.post, "/api/tickets", json: Self.ticket, token: token, headers: [.origin: "https://tickets.example.com"])
            #expect(allowed.status == .created)
            let other = try await client.send(.post, "/api/tickets", json: Self.ticket, token: token, headers: [.origin: "http://localhost"])
            #expect(other.status == .forbidden)
        }
    }
}
