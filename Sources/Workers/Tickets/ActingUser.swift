import Contracts
import Foundation
import WorkerRuntime

enum ActingUser {
    /// The user the API authenticated (the envelope's `user_id`, never the payload), or nil
    /// after answering 401.
    static func require(_ message: IncomingMessage, _ context: MessageContext) -> UUID? {
        guard let raw = message.envelope.userID, let user = UUID.parse(raw) else {
            context.reject(status: 401, "Not authorized")
            return nil
        }
        return user
    }
}
