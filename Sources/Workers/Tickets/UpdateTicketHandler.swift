import Contracts
import Foundation
import WorkerRuntime

/// UpdateTicket: a new title and price from the owner, while no order holds the ticket.
enum UpdateTicketHandler {
    static func handle(_ message: IncomingMessage, _ context: MessageContext) async throws {
        guard let user = ActingUser.require(message, context),
              let command = CommandInput.decode(UpdateTicket.self, message, context)
        else { return }
        guard let id = UUID.parse(command.ticketId) else {
            context.reject(status: 400, "Ticket id must be a UUID", field: "ticketId")
            return
        }
        let (title, errors) = TicketInput.check(title: command.title, priceCents: command.priceCents)
        guard errors.isEmpty else {
            context.reply(status: 400, ErrorBody(errors: errors))
            return
        }
        // One conditional update decides; only when it changes nothing do we look at why.
        let updated = try await context.query(TicketQueries.update(id: id, owner: user, title: title, priceCents: command.priceCents))
        if let row = updated.first {
            let ticket = try TicketRecord(row: row)
            context.publish(ticket.updated)
            context.reply(status: 200, ticket.view)
            return
        }
        let found = try await context.query(TicketQueries.ownerAndHolder(id: id))
        guard let (owner, holder) = try found.first?.decode((UUID, UUID?).self) else {
            context.reject(status: 404, "Ticket not found")
            return
        }
        if owner != user {
            context.reject(status: 403, "You do not own this ticket")
        } else if holder != nil {
            context.reject(status: 400, "Cannot edit a reserved ticket")
        } else {
            // Free and ours a moment ago: a concurrent change got in between. Try again later.
            throw NotYet("ticket \(id.lowercasedString) changed while it was being updated")
        }
    }
}
