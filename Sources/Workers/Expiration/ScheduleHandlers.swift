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
        return [ExpirationSchedule.addCommand(order: try MalformedEvent.id(event.id, "order id").lowercasedString, due: event.expiresAt, keys: keys)]
    }
}

enum ScheduleHandlers {
    static func orderCancelled(_ message: IncomingMessage, _ keys: KeySpace) throws -> [RedisCommand] {
        let event = try MalformedEvent.decode(OrderCancelled.self, message)
        return [ExpirationSchedule.removeCommand(order: try MalformedEvent.id(event.id, "order id").lowercasedString, keys: keys)]
    }
}
