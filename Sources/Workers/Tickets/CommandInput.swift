import Contracts
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
}
