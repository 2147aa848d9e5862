import Contracts
import Foundation

/// The user a command acts for: the envelope's `user_id`, set by the API from the verified
/// token, never a payload field.
public enum ActingUser {
    /// The user, or nil after answering 401.
    public static func require(_ message: IncomingMessage, _ context: MessageContext) -> UUID? {
        guard let raw = message.envelope.userID, let user = UUID.parse(raw) else {
            context.reject(status: 401, "Not authorized")
            return nil
        }
        return user
    }
}
