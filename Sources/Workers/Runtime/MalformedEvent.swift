import Contracts
import Foundation

/// An event that can never be applied: not JSON of its type, or an id in it that is no UUID.
/// Ids in events come from our own services, so either is a bug upstream: the message fails,
/// and after its retries goes to the dead letters with this description, to look at.
public struct MalformedEvent: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    public static func decode<E: Event>(_ type: E.Type, _ message: IncomingMessage) throws -> E {
        try decode(type, message.envelope)
    }

    public static func decode<E: Event>(_ type: E.Type, _ envelope: Envelope) throws -> E {
        do {
            return try MessageCoding.decode(E.self, from: envelope.data)
        } catch {
            throw MalformedEvent("\(E.type) \(envelope.id.lowercasedString) is not valid: \(error)")
        }
    }

    /// `text` as a UUID; `what` names it in the error ("order id").
    public static func id(_ text: String, _ what: String) throws -> UUID {
        guard let id = UUID.parse(text) else { throw MalformedEvent("\(what) is not a UUID: \(text.prefix(64))") }
        return id
    }
}
