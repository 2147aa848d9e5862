import Contracts
import Foundation
import WorkerRuntime

/// CreateTicket: a free ticket at version 0, owned by the acting user, announced as ticket:created.
enum CreateTicketHandler {
    static func handle(_ message: IncomingMessage, _ context: MessageContext) async throws {
        guard let user = ActingUser.require(message, context),
              let command = CommandInput.decode(CreateTicket.self, message, context)
        else { return }
        let (title, errors) = TicketInput.check(title: command.title, priceCents: command.priceCents)
        guard errors.isEmpty else {
            context.reply(status: 400, ErrorBody(errors: errors))
            return
        }
        let ticket = TicketRecord(id: .timeOrdered(), title: title, priceCents: command.priceCents, userID: user, orderID: nil, version: 0)
        // A fresh id cannot conflict: nothing to read back, so the insert rides with the commit.
        context.execute(TicketQueries.insert(ticket))
        context.publish(ticket.created)
        context.reply(status: 201, ticket.view)
    }
}
