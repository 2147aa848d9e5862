import API
import Contracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("sessions", .timeLimit(.minutes(3)))
struct SessionTests {
    @Test("sign-up sets an HttpOnly, SameSite=Lax session cookie and returns the user")
    func signUpSetsCookie() async throws {
        try await APITestHarness.with { harness, client in
            let response = try await client.send(.post, "/api/users/signup", json: #"{"email":" New@Example.com ","password":"password123"}"#)
            #expect(response.status == .created)
            let user = try response.decode(UserView.self)
            #expect(user.email == "new@example.com")
            let line = try #require(response.sessionSetCookie)
            #expect(line.contains("HttpOnly"))
            #expect(line.contains("SameSite=Lax"))
            #expect(line.contains("Path=/"))
            #expect(!line.contains("Secure"))
            #expect(response.sessionCookie != nil)
        }
    }

    @Test("a refused sign-up passes the service's status and field error through, without a cookie")
    func refusedSignUp() async throws {
        try await APITestHarness.with { _, client in
            let response = try await client.send(.post, "/api/users/signup", json: #"{"email":"\#(Responder.takenEmail)","password":"password123"}"#)
            #expect(response.status == .badRequest)
            #expect(response.errors == [ErrorBody.Item(message: "Email in use", field: "email")])
            #expect(response.sessionSetCookie == nil)
        }
    }

    @Test("sign-in sets the cookie on success and passes 'Invalid credentials' through on failure")
    func signIn() async throws {
        try await APITestHarness.with { _, client in
            let good = try await client.send(.post, "/api/users/signin", json: #"{"email":"a@example.com","password":"right-password"}"#)
            #expect(good.status == .ok)
            #expect(good.sessionCookie != nil)
            let bad = try await client.send(.post, "/api/users/signin", json: #"{"email":"a@example.com","password":"wrong-password"}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.errors.first?.message == "Invalid credentials")
            #expect(bad.sessionSetCookie == nil)
        }
    }

    @Test("current user is read from the cookie or a bearer token, and is null without one or with a tampered one")
    func currentUser() async throws {
        try await APITestHarness.with { _, client in
            let (token, user) = try await client.signUp()
            let byCookie = try await client.send(.get, "/api/users/currentuser", cookie: token)
            #expect(byCookie.status == .ok)
            #expect(byCookie.text == #"{"currentUser":{"email":"\#(user.email)","id":"\#(user.id)"}}"#)
            let byBearer = try await client.send(.get, "/api/users/currentuser", token: token)
            #expect(byBearer.text == byCookie.text)
            let anonymous = try await client.send(.get, "/api/users/currentuser")
            #expect(anonymous.status == .ok)
            #expect(anonymous.text == #"{"currentUser":null}"#)
            // Change one character of the signature.
            var tampered = Array(token)
            tampered[tampered.count - 2] = tampered[tampered.count - 2] == "A" ? "B" : "A"
            let forged = try await client.send(.get, "/api/users/currentuser", token: String(tampered))
            #expect(forged.text == #"{"currentUser":null}"#)
        }
    }

    @Test("a token signed with another key or with alg none is not a session")
    func foreignTokens() async throws {
        try await APITestHarness.with { _, client in
            let (token, _) = try await client.signUp()
            let parts = token.split(separator: ".")
            // Same claims, header says "none", no signature.
            let noneHeader = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
                .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            let unsigned = "\(noneHeader).\(parts[1])."
            let response = try await client.send(.get, "/api/users/currentuser", token: unsigned)
            #expect(response.text == #"{"currentUser":null}"#)
            let refused = try await client.send(.post, "/api/tickets", json: #"{"title":"x","price":1}"#, token: unsigned)
            #expect(refused.status == .unauthorized)
        }
    }

    @Test("a slow sign-up answers 202 with a poll key cookie: a poll without it gets 404 and no session; with it, the user and a session, once")
    func slowSignUpPolled() async throws {
        try await APITestHarness.with(commandTimeout: .milliseconds(300)) { harness, client in
            let response = try await client.send(.post, "/api/users/signup", json: #"{"email":"\#(Responder.slowEmail)","password":"password123"}"#)
            #expect(response.status == .accepted)
            #expect(response.sessionSetCookie == nil)
            let location = try #require(response.headers[.location])
            let pollKey = try #require(response.pollKeyCookie)
            let line = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("\(PollKey.cookieName)=") })
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=\(location)", "Max-Age="] {
                #expect(line.contains(attribute), "\(line)")
            }
            let withKey: HTTPFields = [.cookie: "\(PollKey.cookieName)=\(pollKey)"]
            let wrongKey: HTTPFields = [.cookie: "\(PollKey.cookieName)=\(pollKey.dropLast())x"]

            // While pending: the key's holder sees 202; no one else sees anything.
            #expect(try await client.send(.get, location, headers: withKey).status == .accepted)
            #expect(try await client.send(.get, location).status == .notFound)

            let id = try #require(UUID(uuidString: String(location.split(separator: "/").last ?? "")))
            #expect(try await harness.services.eventually(timeout: .seconds(20)) { try await harness.services.handled(id, by: "responder") })
            for (headers, label) in [([:] as HTTPFields, "no key"), (wrongKey, "a wrong key")] {
                let refused = try await client.send(.get, location, headers: headers)
                #expect(refused.status == .notFound, "\(label)")
                #expect(refused.sessionSetCookie == nil, "\(label)")
                #expect(!refused.text.contains(Responder.slowEmail), "\(label)")
            }
            // A signed-in user cannot read an anonymous command's outcome either.
            let (other, _) = try await client.signUp()
            #expect(try await client.send(.get, location, token: other, headers: withKey).status == .notFound)

            let outcome = try await client.send(.get, location, headers: withKey)
            #expect(outcome.status == .created)
            #expect(try outcome.decode(UserView.self).email == Responder.slowEmail)
            let token = try #require(outcome.sessionCookie)
            #expect(outcome.headers[values: .setCookie].contains { $0.hasPrefix("\(PollKey.cookieName)=;") && $0.contains("Max-Age=0") })
            let current = try await client.send(.get, "/api/users/currentuser", cookie: token)
            #expect(current.text.contains(Responder.slowEmail))

            // Spent: the same key does not start a second session.
            let again = try await client.send(.get, location, headers: withKey)
            #expect(again.status == .notFound)
            #expect(again.sessionSetCookie == nil)
        }
    }

    @Test("sign-out answers {} and clears the cookie")
    func signOut() async throws {
        try await APITestHarness.with { _, client in
            let response = try await client.send(.post, "/api/users/signout")
            #expect(response.status == .ok)
            #expect(response.text == "{}")
            let line = try #require(response.sessionSetCookie)
            #expect(line.hasPrefix("session=;"))
            #expect(line.contains("Max-Age=0"))
        }
    }

    @Test("routes that act for a user answer 401 without a session, and send nothing")
    func needsSession() async throws {
        let id = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"
        let requests: [(HTTPRequest.Method, String, String?)] = [
            (.post, "/api/tickets", #"{"title":"x","price":1}"#),
            (.put, "/api/tickets/\(id)", #"{"title":"x","price":1}"#),
            (.post, "/api/orders", #"{"ticketId":"\#(id)"}"#),
            (.get, "/api/orders", nil),
            (.get, "/api/orders/\(id)", nil),
            (.delete, "/api/orders/\(id)", nil),
            (.post, "/api/payments", #"{"orderId":"\#(id)","token":"tok_visa"}"#),
        ]
        try await APITestHarness.with { harness, client in
            for (method, path, json) in requests {
                let response = try await client.send(method, path, json: json)
                #expect(response.status == .unauthorized, "\(method) \(path)")
                #expect(response.errors == [ErrorBody.Item(message: "Not authorized")], "\(method) \(path)")
            }
            #expect(harness.responder.handled.isEmpty)
        }
    }
}
