import Foundation
import Contracts
import Hummingbird

/// `/api/commands/:id`: the outcome of a command that took longer than the request's wait:
/// 202 while pending, the service's reply once handled, or 500 if the service gave up on it.
/// Only its sender may read it (anonymous commands only anonymously); anyone else gets 404.
struct CommandsController {
    let dispatcher: CommandDispatcher
    let bus: CommandBus
    let outcomes: any CommandOutcomeRepository

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get(":id") { _, context in
            let id = try pathID(context.parameters.get("id"))
            guard let uuid = UUID(uuidString: id), let record = try await bus.record(of: uuid),
                  record.user == (context.session?.userID ?? CommandRecord.anonymous)
            else { throw APIError(.notFound, "Command not found") }
            // A handled command's stored reply first: it wins over an earlier give-up that a
            // replay or a second send has since made good.
            var reply = try await outcomes.outcome(of: uuid)
            if reply == nil { reply = try await bus.failure(of: uuid) }
            guard let reply else { return CommandDispatcher.pending(uuid) }
            return try await dispatcher.respond(reply, type: record.type, logger: context.logger)
        }
    }
}
