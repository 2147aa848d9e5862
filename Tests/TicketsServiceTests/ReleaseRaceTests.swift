import Contracts
import FleetTestSupport
import Foundation
import PostgresClient
import Testing
@testable import TicketsService

@Suite("tickets: a release racing its reservation", .timeLimit(.minutes(2)))
struct ReleaseRaceTests {
    /// The worst moment for order:cancelled: its order's reservation has written and not yet
    /// committed (another consumer's transaction, held open here), so the release waits for it
    /// inside its first statement. A release read from before that commit would find the ticket
    /// unheld, record the cancellation and release nothing: the ticket held for ever.
    @Test("order:cancelled arriving while its order's reservation is still committing releases the ticket once that commits")
    func releaseWaitsForReservation() async throws {
        let tickets = try await TicketsFixture.start()
        let ticket = try await tickets.createdTicket(by: RecordID.make())
        let order = RecordID.make()
        let orderID = try #require(UUID(uuidString: order)), ticketID = try #require(UUID(uuidString: ticket.id))
        let database = tickets.harness.database

        try await database.withTransaction { reservation in
            let rows = try await reservation.query(OrderVersions.reserve(ticket: ticketID, for: orderID, version: 0))
            #expect(try rows[0].decode(Bool.self, at: 0), "the reservation was not admitted")
            _ = try await tickets.orderCancelled(order, ticket: ticket, version: 1)
            // The worker's release is now waiting for this transaction's row.
            #expect(try await tickets.harness.eventually {
                try await database.query("SELECT count(*)::int8 FROM pg_locks WHERE NOT granted").decodeColumn(Int64.self) != [0]
            }, "the release never waited for the reservation")
        }

        let updates = try await tickets.awaitUpdates(of: ticket.id, count: 1)
        #expect(updates.map(\.orderId) == [nil])
        #expect(try await tickets.stored(ticket.id)?.orderID == nil)
        #expect(try await tickets.stored(ticket.id)?.version == 2)
        try await tickets.stop()
    }
}
