import Foundation
import PostgresClient
import Testing

extension FleetProcesses {
    /// The marketplace's stories, told against the real processes over HTTP.
    @Suite("end to end", .serialized, .timeLimit(.minutes(5)))
    struct PurchaseStoryTests {
        @Test("purchase: a second user buys a ticket and pays; the order completes and the ticket stays reserved")
        func purchase() async throws {
            let fleet = try await Fleet.start()
            let seller = try await fleet.signUp("seller")
            let buyer = try await fleet.signUp("buyer")
            let ticket = try await fleet.createTicket(seller.token, title: "Opera", price: 42.5)

            let ordered = try await fleet.order(buyer.token, ticket: ticket)
            #expect(ordered.status == 201, "\(ordered.text)")
            let order = try #require(ordered.object["id"] as? String)
            #expect(ordered.object["status"] as? String == "created")

            let paid = try await pay(fleet, buyer.token, order: order, token: "tok_visa")
            #expect(paid.status == 201, "\(paid.text)")
            #expect(paid.object["id"] is String)

            let completed = try await fleet.eventually("/api/orders/\(order)", token: buyer.token) { $0.object["status"] as? String == "complete" }
            #expect(completed.object["status"] as? String == "complete", "\(completed.text)\n\(fleet.logs())")
            let reserved = try await fleet.eventually("/api/tickets/\(ticket)") { $0.object["orderId"] as? String == order }
            #expect(reserved.object["orderId"] as? String == order)
            let available = try await fleet.request("GET", "/api/tickets")
            #expect(!((available.json as? [[String: Any]]) ?? []).contains { $0["id"] as? String == ticket })

            let statuses = await fleet.stop()
            #expect(statuses.values.allSatisfy { $0 == 0 }, "\(statuses)")
        }

        @Test("expiry: an unpaid order is cancelled and the ticket is free and editable again")
        func expiry() async throws {
            let fleet = try await Fleet.start(orderTTL: 2)
            let seller = try await fleet.signUp("seller")
            let buyer = try await fleet.signUp("buyer")
            let ticket = try await fleet.createTicket(seller.token)
            let ordered = try await fleet.order(buyer.token, ticket: ticket)
            #expect(ordered.status == 201, "\(ordered.text)")
            let order = try #require(ordered.object["id"] as? String)

            let cancelled = try await fleet.eventually("/api/orders/\(order)", token: buyer.token) { $0.object["status"] as? String == "cancelled" }
            #expect(cancelled.object["status"] as? String == "cancelled", "\(cancelled.text)\n\(fleet.logs())")
            let free = try await fleet.eventually("/api/tickets/\(ticket)") { $0.object["orderId"] == nil || $0.object["orderId"] is NSNull }
            #expect(free.object["orderId"] == nil || free.object["orderId"] is NSNull, "\(free.text)")
            let edited = try await editEventually(fleet, seller.token, ticket: ticket)
            #expect(edited.status == 200, "\(edited.text)")
            _ = await fleet.stop()
        }

        @Test("editing a reserved ticket is refused with 400")
        func editWhileReserved() async throws {
            let fleet = try await Fleet.start()
            let seller = try await fleet.signUp("seller")
            let buyer = try await fleet.signUp("buyer")
            let ticket = try await fleet.createTicket(seller.token)
            let ordered = try await fleet.order(buyer.token, ticket: ticket)
            let order = try #require(ordered.object["id"] as? String, "\(ordered.text)")
            _ = try await fleet.eventually("/api/tickets/\(ticket)") { $0.object["orderId"] as? String == order }
            let edit = try await fleet.request("PUT", "/api/tickets/\(ticket)", json: ["title": "New title", "price": 30], token: seller.token)
            #expect(edit.status == 400, "\(edit.text)")
            _ = await fleet.stop()
        }

        @Test("50 concurrent buyers of one ticket: exactly one order, every other buyer gets a clear 4xx")
        func buyerRace() async throws {
            let fleet = try await Fleet.start()
            let seller = try await fleet.signUp("seller")
            let ticket = try await fleet.createTicket(seller.token)
            var buyers: [String] = []
            for index in 0..<50 { buyers.append(try await fleet.signUp("buyer\(index)").token) }
            _ = try await waitForReplica(fleet, seller.token, ticket: ticket)

            let statuses = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for buyer in buyers {
                    group.addTask {
                        let response = try await fleet.request("POST", "/api/orders", json: ["ticketId": ticket], token: buyer)
                        return (response.status, response.text)
                    }
                }
                var all: [(Int, String)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(statuses.filter { $0.0 == 201 }.count == 1, "\(statuses.map(\.0))")
            let refused = statuses.filter { $0.0 != 201 }
            #expect(refused.count == 49)
            #expect(refused.allSatisfy { (400..<500).contains($0.0) && $0.1.contains("errors") }, "\(refused.prefix(3))")
            _ = await fleet.stop()
        }

        @Test("expiry against payment: whichever wins, exactly one outcome holds")
        func expiryAgainstPayment() async throws {
            let fleet = try await Fleet.start(orderTTL: 2)
            let seller = try await fleet.signUp("seller")
            let buyer = try await fleet.signUp("buyer")
            for delay in [1700, 2000, 2300] {
                let ticket = try await fleet.createTicket(seller.token)
                let ordered = try await fleet.order(buyer.token, ticket: ticket)
                let order = try #require(ordered.object["id"] as? String, "\(ordered.text)")
                try await Task.sleep(for: .milliseconds(delay))
                let paid = try await pay(fleet, buyer.token, order: order, token: "tok_visa")
                let settled = try await fleet.eventually("/api/orders/\(order)", token: buyer.token) {
                    ["complete", "cancelled"].contains($0.object["status"] as? String ?? "")
                }
                let status = settled.object["status"] as? String
                // Let any late event land, then check the outcome did not flip.
                try await Task.sleep(for: .seconds(3))
                let final = try await fleet.request("GET", "/api/orders/\(order)", token: buyer.token)
                #expect(final.object["status"] as? String == status, "the outcome flipped: \(final.text)")
                let ticketNow = try await fleet.request("GET", "/api/tickets/\(ticket)")
                if status == "complete" {
                    #expect(paid.status == 201)
                    #expect(ticketNow.object["orderId"] as? String == order, "\(ticketNow.text)")
                } else {
                    #expect(status == "cancelled", "\(settled.text)")
                    #expect(ticketNow.object["orderId"] == nil || ticketNow.object["orderId"] is NSNull, "\(ticketNow.text)")
                }
            }
            _ = await fleet.stop()
        }

        @Test("someone else's order or payment answers 404, and no token answers 401")
        func otherUsersData() async throws {
            let fleet = try await Fleet.start()
            let seller = try await fleet.signUp("seller")
            let buyer = try await fleet.signUp("buyer")
            let stranger = try await fleet.signUp("stranger")
            let ticket = try await fleet.createTicket(seller.token)
            let ordered = try await fleet.order(buyer.token, ticket: ticket)
            let order = try #require(ordered.object["id"] as? String, "\(ordered.text)")

            #expect(try await fleet.request("GET", "/api/orders/\(order)", token: stranger.token).status == 404)
            #expect(try await fleet.request("DELETE", "/api/orders/\(order)", token: stranger.token).status == 404)
            #expect(try await pay(fleet, stranger.token, order: order, token: "tok_visa", retryNotFound: false).status == 404)
            let list = try await fleet.request("GET", "/api/orders", token: stranger.token)
            #expect((list.json as? [Any])?.isEmpty == true, "\(list.text)")
            #expect(try await fleet.request("GET", "/api/orders/\(order)").status == 401)
            #expect(try await fleet.request("POST", "/api/orders", json: ["ticketId": ticket]).status == 401)
            #expect(try await fleet.request("POST", "/api/payments", json: ["orderId": order, "token": "tok_visa"]).status == 401)
            #expect(try await fleet.request("PUT", "/api/tickets/\(ticket)", json: ["title": "Mine", "price": 1], token: stranger.token).status == 403)
            _ = await fleet.stop()
        }

        @Test("bad input on every route answers 400 naming the field")
        func badInput() async throws {
            let fleet = try await Fleet.start()
            let user = try await fleet.signUp("user")
            let ticket = try await fleet.createTicket(user.token)
            let cases: [(String, String, [String: Any], String)] = [
                ("POST", "/api/users/signup", ["email": "not-an-email", "password": "long enough"], "email"),
                ("POST", "/api/users/signup", ["email": "a@example.com", "password": "short"], "password"),
                ("POST", "/api/users/signin", ["email": "a@example.com"], "password"),
                ("POST", "/api/tickets", ["title": "", "price": 10], "title"),
                ("POST", "/api/tickets", ["title": "Show", "price": -10], "price"),
                ("POST", "/api/tickets", ["title": "Show", "price": 10.001], "price"),
                ("POST", "/api/tickets", ["title": "Show", "price": "ten"], "price"),
                ("PUT", "/api/tickets/\(ticket)", ["title": "Show", "price": 0], "price"),
                ("POST", "/api/orders", ["ticketId": "not-a-uuid"], "ticketId"),
                ("POST", "/api/payments", ["orderId": UUID().uuidString], "token"),
                ("POST", "/api/payments", ["orderId": "nope", "token": "tok_visa"], "orderId"),
            ]
            for (method, path, body, field) in cases {
                let response = try await fleet.request(method, path, json: body, token: user.token)
                #expect(response.status == 400, "\(method) \(path) \(body): \(response.status) \(response.text)")
                #expect(response.errorFields.contains(field), "\(method) \(path) \(body): \(response.text)")
            }
            let malformed = try await fleet.request("POST", "/api/tickets", raw: Data("{\"title\": ".utf8), token: user.token)
            #expect(malformed.status == 400, "\(malformed.text)")
            #expect(malformed.object["errors"] != nil)
            _ = await fleet.stop()
        }

        @Test("a worker stopped mid-flow loses nothing; a retry with the same Idempotency-Key has one effect")
        func lostReply() async throws {
            let fleet = try await Fleet.start(commandTimeout: 1500)
            let seller = try await fleet.signUp("seller")
            let buyer = try await fleet.signUp("buyer")
            let ticket = try await fleet.createTicket(seller.token)
            _ = try await waitForReplica(fleet, buyer.token, ticket: ticket)

            let orders = try #require(fleet.process("orders-worker"))
            #expect(await orders.terminate() == 0)
            let key = ["Idempotency-Key": "buy-\(ticket)"]
            let pending = try await fleet.request("POST", "/api/orders", json: ["ticketId": ticket], token: buyer.token, headers: key)
            #expect(pending.status == 202, "\(pending.text)")
            let location = try #require(pending.headers["location"])

            try fleet.launch("orders-worker")
            let outcome = try await fleet.eventually(location, token: buyer.token) { $0.status != 202 }
            #expect(outcome.status == 201, "\(outcome.text)\n\(fleet.logs())")
            let retried = try await fleet.request("POST", "/api/orders", json: ["ticketId": ticket], token: buyer.token, headers: key)
            #expect(retried.status == 201, "\(retried.text)")
            #expect(retried.object["id"] as? String == outcome.object["id"] as? String)
            let mine = try await fleet.request("GET", "/api/orders", token: buyer.token)
            #expect((mine.json as? [Any])?.count == 1, "\(mine.text)")
            _ = await fleet.stop()
        }

        // MARK: helpers

        /// Pays, retrying while the payments service has not seen the order yet.
        private func pay(_ fleet: Fleet, _ user: String, order: String, token: String, retryNotFound: Bool = true) async throws -> Fleet.Response {
            let deadline = ContinuousClock.now + .seconds(15)
            while true {
                let response = try await fleet.request("POST", "/api/payments", json: ["orderId": order, "token": token], token: user)
                if !retryNotFound || response.status != 404 || ContinuousClock.now > deadline { return response }
                try await Task.sleep(for: .milliseconds(100))
            }
        }

        /// Edits a ticket, retrying while the tickets service still holds it for the cancelled order.
        private func editEventually(_ fleet: Fleet, _ user: String, ticket: String) async throws -> Fleet.Response {
            let deadline = ContinuousClock.now + .seconds(15)
            while true {
                let response = try await fleet.request("PUT", "/api/tickets/\(ticket)", json: ["title": "Reopened", "price": 25], token: user)
                if response.status == 200 || ContinuousClock.now > deadline { return response }
                try await Task.sleep(for: .milliseconds(100))
            }
        }

        /// Waits until the orders service's ticket replica has followed ticket:created (its row in
        /// `orders.tickets`), so a race of buyers starts with the ticket known to every service.
        private func waitForReplica(_ fleet: Fleet, _ user: String, ticket: String) async throws -> Bool {
            let database = PostgresClient(configuration: try PostgresConfiguration(fleet.environment["DATABASE_URL"]!, poolSize: 1))
            defer { Task { await database.close() } }
            let id = try #require(UUID(uuidString: ticket))
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                if try await !database.query("SELECT 1 FROM orders.tickets WHERE id = \(id)").isEmpty { return true }
                try await Task.sleep(for: .milliseconds(25))
            }
            throw FleetError("the orders service never learned ticket \(ticket)")
        }
    }
}
