import Contracts
import Foundation
import Logging
import PasswordSeal
import WorkerRuntime

enum CommandInput {
    /// The command's payload, or nil after answering 400: a payload that does not decode will
    /// not decode on a retry either, so it is a refusal, not a failure.
    static func decode<C: Command>(_: C.Type, _ message: IncomingMessage, _ context: MessageContext) -> C? {
        guard let command = try? MessageCoding.decode(C.self, from: message.envelope.data) else {
            context.reject(status: 400, "The request is not a valid \(C.type) command")
            return nil
        }
        return command
    }

    /// The command's password, opened; or nil after answering 400: a password that does not
    /// open (an unknown key id, a box altered or copied from another command) will not open on
    /// a retry either. Logged, since keys that differ between the API and here refuse everyone.
    static func password<C: CarriesPassword>(_ command: C, _ message: IncomingMessage, _ context: MessageContext, sealer: PasswordSealer) -> String? {
        let binding = PasswordSealer.Binding(commandID: message.envelope.id.uuidString, type: C.type, email: command.email)
        do {
            // Decoding makes every password `.sealed`; a clear one cannot come off a stream.
            guard case .sealed(let sealed) = command.password else { throw PasswordSealError("the password is not sealed") }
            return try sealer.open(sealed, for: binding)
        } catch {
            logger.error("refused a command whose password did not open", metadata: [
                "type": "\(C.type)", "command_id": "\(binding.commandID)", "reason": "\(error)"])
            context.reject(status: 400, "The password could not be read; please try again", field: "password")
            return nil
        }
    }

    private static let logger = Logger(label: "auth-worker")
}
