import Contracts
import PostgresClient

/// Handles one message inside the batch's transaction. Writes go through the context, so they
/// commit together with the inbox row; a thrown error leaves the message pending for a retry.
public typealias MessageHandler = @Sendable (IncomingMessage, MessageContext) async throws -> Void

/// What a service consumes and how: its name (the consumer group and the outbox's publisher),
/// the streams it reads, and a handler per message type.
public struct ServiceDefinition: Sendable {
    public let name: String
    public private(set) var streams: [String] = []
    private var handlers: [String: [String: MessageHandler]] = [:]
    /// The service's own schema migrations, applied at start-up after the messaging tables.
    public var migrations: [(schema: String, migrations: [Migration])] = []

    public init(name: String) {
        self.name = name
    }

    /// Registers `handler` for messages of `type` on `stream`.
    public mutating func on(_ type: String, in stream: String, _ handler: @escaping MessageHandler) {
        if handlers[stream] == nil { streams.append(stream) }
        handlers[stream, default: [:]][type] = handler
    }

    func handler(stream: String, type: String) -> MessageHandler? {
        handlers[stream]?[type]
    }
}
