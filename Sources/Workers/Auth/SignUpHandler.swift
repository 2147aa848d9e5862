import Contracts
import Foundation
import PasswordSeal
import WorkerRuntime

/// SignUp: a new account for a normalised email, its password kept only as a bcrypt hash.
enum SignUpHandler {
    static func handle(_ message: IncomingMessage, _ context: MessageContext, hasher: PasswordHasher, sealer: PasswordSealer) async throws {
        guard let command = CommandInput.decode(SignUp.self, message, context),
              let password = CommandInput.password(command, message, context, sealer: sealer)
        else { return }
        let email = Credentials.normalize(email: command.email)
        let errors = Credentials.signUpErrors(normalizedEmail: email, password: password)
        guard errors.isEmpty else {
            context.reply(status: 400, ErrorBody(errors: errors))
            return
        }
        let id = UUID()
        let passwordHash = try await hasher.hash(password)
        // The unique email decides, not a read before the insert: two sign-ups racing for one
        // email both pass a read, but only one insert returns a row.
        let inserted = try await context.query(UserQueries.insert(id: id, email: email, passwordHash: passwordHash))
        guard !inserted.isEmpty else {
            context.reject(status: 400, "Email in use", field: "email")
            return
        }
        context.reply(status: 201, UserView(id: id.lowercasedString, email: email))
    }
}
