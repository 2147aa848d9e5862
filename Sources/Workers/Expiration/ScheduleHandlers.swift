import Contracts
import Foundation
import RedisClient
import WorkerRuntime

/// An order goes on the schedule as the orders service announces it: the effect below rides
/// each publication of order:created (see ``PublicationEffect``), the way a Bull producer adds a
/// delayed job itself, so no consumer hop (a read, a round trip, an ack per order) stands
/// between an order and its expiry. order:cancelled, rare, is consumed here and takes the order
/// off. Both only touch Redis and are idempotent (the schedule script's `ZADD`, `ZREM`), and a
/// new entry that leads the schedule wakes the schedulers through the wake stream (see
/// ``ScheduleScript``).
public enum ExpirationScheduling {
    /// For the producer of order:created: puts the order on the schedule at its expiry.
    public static let onOrderCreated: PublicationEffect = { envelope, keys in
        let event = try MalformedEvent.decode(OrderCreated.self, envelope)
        return [ExpirationSchedule.addCommand(order: try MalformedEvent.id(event.id), due: event.expiresAt, keys: keys)]
    }
}

enum ScheduleHandlers {
    static func orderCancelled(_ message: IncomingMessage, _ keys: KeySpace) throws -> [RedisCommand] {
        let event = try MalformedEvent.decode(OrderCancelled.self, message)
        return [ExpirationSchedule.removeCommand(order: try MalformedEvent.id(event.id), keys: keys)]
    }
}

/// An event that can never be handled; it goes to the dead letters after its retries.
struct MalformedEvent: Error, CustomStringConvertible {
    let description: String

    static func decode<E: Event>(_ type: E.Type, _ message: IncomingMessage) throws -> E {
        try decode(type, message.envelope)
    }

    static func decode<E: Event>(_ type: E.Type, _ envelope: Envelope) throws -> E {
        do {
            return try MessageCoding.decode(E.self, from: envelope.data)
        } catch {
            throw MalformedEvent(description: "\(E.type) \(envelope.id.lowercasedString) is not valid: \(error)")
        }
    }

    /// The order id in its canonical form (it is also the schedule's member and the event's id).
    static func id(_ text: String) throws -> String {
        guard let id = RecordID.normalize(text) else { throw MalformedEvent(description: "order id is not a UUID: \(text.prefix(64))") }
        return id
    }
}
