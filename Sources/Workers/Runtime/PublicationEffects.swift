import Contracts
import Logging
import RedisClient

/// Computes the Redis commands that go out with an event each time it is published (see
/// ``ServiceDefinition/onPublishing(_:_:)``), for the batch's settlement and the outbox relay
/// alike, so the effect is exactly as durable as the event.
struct PublicationEffects: Sendable {
    let service: ServiceDefinition
    let keys: KeySpace
    let logger: Logger

    /// The commands for `event`. An effect that cannot be computed is logged and left out: the
    /// event still goes out, and a service's own backstop (the orders reconciler, for the
    /// expiration schedule) covers it. Holding the event back would hold back its whole outbox.
    func commands(for event: Envelope) -> [RedisCommand] {
        guard let effect = service.publicationEffect(type: event.type) else { return [] }
        do {
            return try effect(event, keys)
        } catch {
            logger.error("an event's publication effect could not be computed; the event goes out without it", metadata: [
                "type": "\(event.type)", "message_id": "\(event.id.lowercasedString)", "error": "\(error)",
            ])
            return []
        }
    }
}
