import API
import AuthService
import Contracts
import FleetTestSupport
import Foundation
import HummingbirdTesting
import Logging
import OrdersService
import PostgresClient
import TestSupport
import Testing
import TicketsService

/// The API's Postgres login is a member of `ticketing_api_reader`, which the services'
/// migrations grant SELECT on what the API serves, and nothing else.
@Suite("the API's database role", .timeLimit(.minutes(3)))
struct APIDatabaseRoleTests {
    @Test("a login in ticketing_api_reader cannot read auth.users, and the API serves tickets and orders with it")
    func readsOnlyWhatItServes() async throws {
        let services = try await ServiceHarness.make()
        let configuration = services.configuration()
        let workers = [
            try await services.start(AuthService.definition(configuration: configuration, bcryptCost: 10, environment: [:])),
            try await services.start(TicketsService.definition(configuration: configuration)),
            try await services.start(OrdersService.definition(configuration: configuration)),
        ]
        let role = "api_\(UUID().uuidString.prefix(8).lowercased())"
        // As the deployment does it (deploy/postgres): a login role in the reader role.
        try await services.database.withConnection { connection in
            try await connection.query("SELECT set_config('ticketing.test_role', \(role), false)")
            try await connection.query("""
                DO $$ BEGIN
                    EXECUTE format('CREATE ROLE %I LOGIN IN ROLE ticketing_api_reader', current_setting('ticketing.test_role'));
                END $$
                """)
        }
        let roleURL = services.databaseURL.replacingOccurrences(of: "://postgres@", with: "://\(role)@")
        let asAPI = PostgresClient(configuration: try PostgresConfiguration(roleURL, poolSize: 1))
        do {
            let error = await #expect(throws: PostgresError.self) { try await asAPI.query("SELECT password_hash FROM auth.users") }
            #expect(error?.sqlState == SQLState("42501"), "\(String(describing: error))")
            _ = try await asAPI.query("SELECT count(*) FROM tickets.tickets")
            _ = try await asAPI.query("SELECT count(*) FROM orders.orders JOIN orders.tickets ON true")
            _ = try await asAPI.query("SELECT count(*) FROM messaging.inbox")

            var api = APIConfiguration()
            api.redisURL = services.redisURL
            api.databaseURL = roleURL
            api.keyPrefix = services.keys.prefix
            api.jwtKey = APITestHarness.jwtKey
            api.replyBlock = .milliseconds(200)
            var logger = Logger(label: "api-role-test")
            logger.logLevel = .warning
            let app = try await buildApplication(configuration: api, logger: logger)
            try await app.test(.router) { client in
                let (token, _) = try await client.signUp()
                let created = try await client.send(.post, "/api/tickets", json: #"{"title":"concert","price":20}"#, token: token)
                #expect(created.status == .created, "\(created.text)")
                let ticket = try created.decode(TicketView.self)
                #expect(try await services.eventually { try await client.send(.get, "/api/tickets/\(ticket.id)").status == .ok })
                let list = try await client.send(.get, "/api/tickets")
                #expect(list.status == .ok)
                #expect(list.text.contains(ticket.id))
                let orders = try await client.send(.get, "/api/orders", token: token)
                #expect(orders.status == .ok, "\(orders.text)")
            }
        } catch {
            Issue.record(error)
        }
        await asAPI.close()
        for worker in workers { try? await worker.stop() }
        _ = try? await services.database.withConnection { connection in
            try await connection.query("SELECT set_config('ticketing.test_role', \(role), false)")
            try await connection.query("""
                DO $$ BEGIN
                    EXECUTE format('DROP OWNED BY %1$I; DROP ROLE %1$I', current_setting('ticketing.test_role'));
                END $$
                """)
        }
        await services.close()
    }
}
