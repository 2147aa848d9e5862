import Contracts
import Foundation
import WorkerRuntime

/// The user a command acts for: the envelope's `user_id`, set by the API from the verified
/// token, never a payload field.
enum ActingUser {
    /// The user, or nil after answering 401.
    static func require(_ message: IncomingMessage, _ context: MessageContext) -> UUID? {
        guard let raw = message.envelope.userID, let user = UUID.parse(raw) else {
            context.reject(status: 401, "Not authorized")
            return nil
        }
        return user
    }
}

/// Command payloads, decoded or answered with 400: a malformed command is the sender's
/// mistake, not something a retry could fix.
enum CommandInput {
    static func decode<C: Command>(_ type: C.Type, _ message: IncomingMessage, _ context: MessageContext) -> C? {
        do {
            return try MessageCoding.decode(C.self, from: message.envelope.data)
        } catch {
            context.reject(status: 400, "The request is not valid")
            return nil
        }
    }

    /// The id in `text` if it is a UUID; else nil after answering 400 with `field` named.
    static func id(_ text: String, field: String, _ context: MessageContext) -> UUID? {
        guard let id = UUID.parse(text) else {
            context.reject(status: 400, "\(field) must be a valid id", field: field)
            return nil
        }
        return id
    }
}
