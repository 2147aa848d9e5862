import Contracts
import Foundation
import PostgresClient

/// A row of `tickets.tickets`, and the shapes it is announced and shown in.
struct TicketRecord {
    var id: UUID
    var title: String
    var priceCents: Int
    var userID: UUID
    var orderID: UUID?
    var version: Int

    init(id: UUID, title: String, priceCents: Int, userID: UUID, orderID: UUID?, version: Int) {
        self.id = id; self.title = title; self.priceCents = priceCents
        self.userID = userID; self.orderID = orderID; self.version = version
    }

    /// From a row of `RETURNING id, title, price_cents, user_id, order_id, version`.
    init(row: PostgresRow) throws {
        let (id, title, priceCents, userID, orderID, version) = try row.decode((UUID, String, Int, UUID, UUID?, Int).self)
        self.init(id: id, title: title, priceCents: priceCents, userID: userID, orderID: orderID, version: version)
    }

    var view: TicketView {
        TicketView(id: id.lowercasedString, title: title, priceCents: priceCents, userId: userID.lowercasedString, version: version, orderId: orderID?.lowercasedString)
    }

    var created: TicketCreated {
        TicketCreated(id: id.lowercasedString, title: title, priceCents: priceCents, userId: userID.lowercasedString, version: version)
    }

    var updated: TicketUpdated {
        TicketUpdated(id: id.lowercasedString, title: title, priceCents: priceCents, userId: userID.lowercasedString, orderId: orderID?.lowercasedString, version: version)
    }
}
