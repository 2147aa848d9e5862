import Contracts
import Foundation
import WorkerRuntime

/// order:created puts the order on the schedule at its expiry; order:cancelled takes it off.
/// Both are idempotent in Redis (`ZADD`, `ZREM`), as effects outside the transaction must be:
/// a retried batch runs them again.
struct ScheduleHandlers: Sendable {
    let alarm: SchedulerAlarm

    func orderCreated(_ message: IncomingMessage, _ context: MessageContext) async throws {
        let event = try MalformedEvent.decode(OrderCreated.self, message)
        let order = try MalformedEvent.id(event.id)
        let due = try await ExpirationSchedule(keys: context.keys, redis: context.redis).add(order: order, due: event.expiresAt)
        alarm.scheduled(due: Double(due))
    }

    func orderCancelled(_ message: IncomingMessage, _ context: MessageContext) async throws {
        let event = try MalformedEvent.decode(OrderCancelled.self, message)
        try await ExpirationSchedule(keys: context.keys, redis: context.redis).remove(order: try MalformedEvent.id(event.id))
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
