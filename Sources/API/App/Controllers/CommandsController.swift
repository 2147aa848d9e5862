import Foundation
import Contracts
import Hummingbird

/// `/api/commands/:id`: the outcome of a command that took longer than the request's wait.
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
            guard let reply = try await outcomes.outcome(of: uuid) else {
                return CommandDispatcher.pending(uuid)
            }
            return try await dispatcher.respond(reply, type: record.type, logger: context.logger)
        }
    }
}
