import API
import Contracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("input validation", .timeLimit(.minutes(3)))
struct ValidationTests {
    /// A request, the status it must get, and the fields the errors must name.
    struct Case: Sendable, CustomStringConvertible {
        let method: HTTPRequest.Method
        let path: String
        let json: String?
        let fields: Set<String>
        var status: HTTPResponse.Status = .badRequest
        var description: String { "\(method) \(path) \(json ?? "")" }
    }

    static let id = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"

    static let anonymousCases: [Case] = [
        Case(method: .post, path: "/api/users/signup", json: #"{}"#, fields: ["email", "password"]),
        Case(method: .post, path: "/api/users/signup", json: #"{"email":"not-an-email","password":"short"}"#, fields: ["email", "password"]),
        Case(method: .post, path: "/api/users/signup", json: #"{"email":"a@example.com","password":"\#(String(repeating: "p", count: 129))"}"#, fields: ["password"]),
        Case(method: .post, path: "/api/users/signup", json: #"{"email":"a@example","password":"password123"}"#, fields: ["email"]),
        Case(method: .post, path: "/api/users/signin", json: #"{"email":"a@example.com","password":""}"#, fields: ["password"]),
        Case(method: .post, path: "/api/users/signin", json: #"{"password":"password123"}"#, fields: ["email"]),
        Case(method: .get, path: "/api/tickets?limit=0", json: nil, fields: ["limit"]),
        Case(method: .get, path: "/api/tickets?limit=101", json: nil, fields: ["limit"]),
        Case(method: .get, path: "/api/tickets?limit=ten&offset=-1", json: nil, fields: ["limit", "offset"]),
        Case(method: .get, path: "/api/tickets/not-a-uuid", json: nil, fields: ["id"]),
        Case(method: .get, path: "/api/commands/not-a-uuid", json: nil, fields: ["id"]),
    ]

    static let signedInCases: [Case] = [
        Case(method: .post, path: "/api/tickets", json: #"{}"#, fields: ["title", "price"]),
        Case(method: .post, path: "/api/tickets", json: #"{"title":"   ","price":0}"#, fields: ["title", "price"]),
        Case(method: .post, path: "/api/tickets", json: #"{"title":"\#(String(repeating: "t", count: 201))","price":10}"#, fields: ["title"]),
        Case(method: .post, path: "/api/tickets", json: #"{"title":"A show","price":-5}"#, fields: ["price"]),
        Case(method: .post, path: "/api/tickets", json: #"{"title":"A show","price":10.999}"#, fields: ["price"]),
        Case(method: .post, path: "/api/tickets", json: #"{"title":"A show","price":1000000.01}"#, fields: ["price"]),
        Case(method: .post, path: "/api/tickets", json: #"{"title":"A show","price":"cheap"}"#, fields: ["price"]),
        // A whole part near Int.max once overflowed (a trap, the process gone) when made cents.
        Case(method: .post, path: "/api/tickets", json: #"{"title":"A show","price":"2602503304970825912.53"}"#, fields: ["price"]),
        Case(method: .post, path: "/api/tickets", json: #"{"title":"A show","price":"9223372036854775807"}"#, fields: ["price"]),
        Case(method: .post, path: "/api/tickets", json: #"{"title":"A show","price":true}"#, fields: ["price"]),
        Case(method: .post, path: "/api/tickets", json: #"{"title":42,"price":10}"#, fields: ["title"]),
        Case(method: .put, path: "/api/tickets/not-a-uuid", json: #"{"title":"A show","price":10}"#, fields: ["id"]),
        Case(method: .put, path: "/api/tickets/\(id)", json: #"{"title":"","price":10}"#, fields: ["title"]),
        Case(method: .post, path: "/api/orders", json: #"{}"#, fields: ["ticketId"]),
        Case(method: .post, path: "/api/orders", json: #"{"ticketId":"123"}"#, fields: ["ticketId"]),
        Case(method: .post, path: "/api/orders", json: #"{"ticketId":123}"#, fields: ["ticketId"]),
        Case(method: .get, path: "/api/orders/not-a-uuid", json: nil, fields: ["id"]),
        Case(method: .delete, path: "/api/orders/not-a-uuid", json: nil, fields: ["id"]),
        Case(method: .post, path: "/api/payments", json: #"{"orderId":"\#(id)","token":""}"#, fields: ["token"]),
        Case(method: .post, path: "/api/payments", json: #"{"orderId":"nope","token":"tok_visa"}"#, fields: ["orderId"]),
        Case(method: .post, path: "/api/payments", json: #"{}"#, fields: ["orderId", "token"]),
    ]

    @Test("every route answers 400 naming each field at fault, and sends no command")
    func fieldErrors() async throws {
        try await APITestHarness.with { harness, client in
            let (token, _) = try await client.signUp()
            let signUps = harness.responder.handled.count
            for item in Self.anonymousCases {
                let response = try await client.send(item.method, item.path, json: item.json)
                #expect(response.status == item.status, "\(item)")
                #expect(response.fields == item.fields, "\(item): \(response.text)")
                #expect(response.errors.allSatisfy { !$0.message.isEmpty }, "\(item)")
            }
            for item in Self.signedInCases {
                let response = try await client.send(item.method, item.path, json: item.json, token: token)
                #expect(response.status == item.status, "\(item)")
                #expect(response.fields == item.fields, "\(item): \(response.text)")
            }
            #expect(harness.responder.handled.count == signUps)
        }
    }

    @Test("a price with two decimals, or given as a string, becomes cents; unknown fields are ignored")
    func acceptedInput() async throws {
        try await APITestHarness.with { harness, client in
            let (token, _) = try await client.signUp()
            let first = try await client.send(.post, "/api/tickets", json: #"{"title":" A show ","price":19.99,"colour":"red"}"#, token: token)
            #expect(first.status == .created)
            #expect(try first.decode(TicketView.self).price == 19.99)
            let second = try await client.send(.post, "/api/tickets", json: #"{"title":"Another","price":"1000000"}"#, token: token)
            #expect(second.status == .created)
            let sent = harness.responder.handled.filter { $0.type == CreateTicket.type }
                .compactMap { try? MessageCoding.decode(CreateTicket.self, from: $0.data) }
            #expect(sent.map(\.title) == ["A show", "Another"])
            #expect(sent.map(\.priceCents) == [1999, 100_000_000])
        }
    }

    /// Every route that reads a body, with a path whose id is well formed.
    static let bodyRoutes: [(HTTPRequest.Method, String)] = [
        (.post, "/api/users/signup"), (.post, "/api/users/signin"), (.post, "/api/tickets"),
        (.put, "/api/tickets/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"), (.post, "/api/orders"), (.post, "/api/payments"),
    ]

    @Test("on every route, malformed JSON and a body that is not an object answer 400 in the error shape, and send no command")
    func malformedJSON() async throws {
        try await APITestHarness.with { harness, client in
            let (token, _) = try await client.signUp()
            let before = harness.responder.handled.count
            for (method, path) in Self.bodyRoutes {
                let broken = try await client.send(method, path, json: #"{"email": "a@example.com", "#, token: token)
                #expect(broken.status == .badRequest, "\(method) \(path)")
                #expect(broken.errors.count == 1, "\(method) \(path)")
                #expect(broken.errors.first?.field == nil, "\(method) \(path)")
                let array = try await client.send(method, path, json: "[1,2]", token: token)
                #expect(array.status == .badRequest, "\(method) \(path)")
                #expect(array.errors.count == 1, "\(method) \(path)")
            }
            #expect(harness.responder.handled.count == before)
        }
    }

    @Test("on every route, a body over the limit answers 413 in the error shape and sends no command")
    func bodyTooLarge() async throws {
        try await APITestHarness.with { harness, client in
            let (token, _) = try await client.signUp()
            let before = harness.responder.handled.count
            let padding = String(repeating: "x", count: 2000)
            for (method, path) in Self.bodyRoutes {
                let response = try await client.send(method, path, json: #"{"email":"a@example.com","password":"password123","pad":"\#(padding)"}"#, token: token)
                #expect(response.status == .contentTooLarge, "\(method) \(path)")
                #expect(response.errors == [ErrorBody.Item(message: "Request body is too large")], "\(method) \(path)")
            }
            #expect(harness.responder.handled.count == before)
        }
    }

    @Test("an unknown route answers 404 in the error shape")
    func unknownRoute() async throws {
        try await APITestHarness.with { _, client in
            let response = try await client.send(.get, "/api/nothing-here")
            #expect(response.status == .notFound)
            #expect(response.errors.count == 1)
        }
    }
}
