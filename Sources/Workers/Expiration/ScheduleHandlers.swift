import Contracts
import Foundation
import RedisClient
import WorkerRuntime

/// order:created puts the order on the schedule at its expiry; order:cancelled takes it off.
/// Both only touch Redis and are idempotent (the schedule script's `ZADD`, `ZREM`), so they run
/// without a transaction: the commands of a whole batch go out in one round trip before its
/// entries are acknowledged, and a redelivery runs them again to the same effect. A new entry
/// that leads the schedule wakes the schedulers through the wake stream (see ``ScheduleScript``).
enum ScheduleHandlers {
    static func orderCreated(_ message: IncomingMessage, _ keys: KeySpace) throws -> [RedisCommand] {
        let event = try MalformedEvent.decode(OrderCreated.self, message)
        let order = try MalformedEvent.id(event.id)
        return [ExpirationSchedule.addCommand(order: order, due: event.expiresAt, keys: keys)]
    }

    static func orderCancelled(_ message: IncomingMessage, _ keys: KeySpace) throws -> [RedisCommand] {
        let event = try MalformedEvent.decode(OrderCancelled.self, message)
        return [ExpirationSchedule.removeCommand(order: try MalformedEvent.id(event.id), keys: keys)]
    }
}

/// An event that can never be handled; it goes to the dead letters after its retries.
struct MalformedEvent: Error, CustomStringConvertible {
    let description: String

    static func decode<E: Event>(_ type: E.Type, _ message: IncomingMessage) throws -> E {
        do {
            return try MessageCoding.decode(E.self, from: message.envelope.data)
        } catch {
            throw MalformedEvent(description: "\(E.type) \(message.envelope.id.uuidString.lowercased()) is not valid: \(error)")
        }
    }

    /// The order id in its canonical form (it is also the schedule's member and the event's id).
    static func id(_ text: String) throws -> String {
        guard let id = RecordID.normalize(text) else { throw MalformedEvent(description: "order id is not a UUID: \(text.prefix(64))") }
        return id
    }
}
