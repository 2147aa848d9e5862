import Foundation
import Contracts
import Hummingbird

/// `/api/commands/:id`: the outcome of a command that took longer than the request's wait:
/// 202 while pending, the service's reply once handled, or 500 if the service gave up on it.
/// Only its sender may read it; anyone else gets 404. An anonymous command (a sign-up or
/// sign-in) is its sender's only with the ``PollKey`` cookie its 202 set; the outcome (a
/// success starts a session) spends the key, so a second poll, or one without the key, gets
/// 404: the id alone tells nothing, not even that the command exists.
struct CommandsController {
    let dispatcher: CommandDispatcher
    let sender: BusCommandSender

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get(":id") { request, context in
            let id = try pathID(context.parameters.get("id"))
            guard let uuid = UUID.parse(id) else { throw APIError(.notFound, "Command not found") }
            let pollKey = PollKey.key(in: request)
            switch try await sender.poll(uuid, session: context.session, pollKey: pollKey) {
            case .unknown:
                throw APIError(.notFound, "Command not found")
            case .pending:
                return CommandDispatcher.pending(uuid)
            case .replied(let type, let reply):
                var response = try await dispatcher.respond(reply, type: type, logger: context.logger)
                if pollKey != nil, context.session == nil {
                    response.setCookie(PollKey.clearing(path: CommandDispatcher.location(uuid), secure: dispatcher.cookie.secure))
                }
                return response
            }
        }
    }
}
