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

    @Test("malformed JSON and a body that is not an object answer 400 in the error shape")
    func malformedJSON() async throws {
        try await APITestHarness.with { _, client in
            let broken = try await client.send(.post, "/api/users/signup", json: #"{"email": "a@example.com", "#)
            #expect(broken.status == .badRequest)
            #expect(broken.errors.count == 1)
            #expect(broken.errors.first?.field == nil)
            let array = try await client.send(.post, "/api/users/signup", json: "[1,2]")
            #expect(array.status == .badRequest)
            #expect(array.errors.count == 1)
        }
    }

    @Test("a body over the limit answers 413 in the error shape")
    func bodyTooLarge() async throws {
        try await APITestHarness.with { harness, client in
            let padding = String(repeating: "x", count: 2000)
            let response = try await client.send(.post, "/api/users/signup", json: #"{"email":"a@example.com","password":"password123","pad":"\#(padding)"}"#)
            #expect(response.status == .contentTooLarge)
            #expect(response.errors == [ErrorBody.Item(message: "Request body is too large")])
            #expect(harness.responder.handled.isEmpty)
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
