import Contracts
import Foundation
import WorkerRuntime

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
