/// The services of the fleet. Each is a consumer group of the same name on every stream it reads,
/// and a Postgres schema of the same name.
public enum ServiceName: String, Sendable, Hashable, CaseIterable, Codable {
    case auth
    case tickets
    case orders
    case expiration
    case payments
}

/// Every event the fleet publishes; the raw value is the event's type and its stream's suffix.
public enum EventName: String, Sendable, Hashable, CaseIterable, Codable {
    case ticketCreated = "ticket:created"
    case ticketUpdated = "ticket:updated"
    case orderCreated = "order:created"
    case orderCancelled = "order:cancelled"
    case expirationComplete = "expiration:complete"
    case paymentCreated = "payment:created"
}
