import Contracts
import Foundation
import PasswordSeal
import WorkerRuntime

/// SignIn: the account whose password matches. An unknown email and a wrong password get the
/// same answer, after the same bcrypt work, so neither the message nor the timing tells
/// whether an account exists.
enum SignInHandler {
    static func handle(_ message: IncomingMessage, _ context: MessageContext, hasher: PasswordHasher, sealer: PasswordSealer) async throws {
        guard let command = CommandInput.decode(SignIn.self, message, context),
              let password = CommandInput.password(command, message, context, sealer: sealer)
        else { return }
        let email = Credentials.normalize(email: command.email)
        let errors = Credentials.signInErrors(normalizedEmail: email, password: password)
        guard errors.isEmpty else {
            context.reply(status: 400, ErrorBody(errors: errors))
            return
        }
        let rows = try await context.query(UserQueries.credentials(email: email))
        let account = try rows.first.map { try $0.decode((UUID, String).self) }
        let matches = try await hasher.verify(password, against: account?.1)
        guard matches, let account else {
            context.reject(status: 400, "Invalid credentials")
            return
        }
        context.reply(status: 200, UserView(id: account.0.lowercasedString, email: email))
    }
}
