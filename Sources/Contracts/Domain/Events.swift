import Foundation

/// Events carry the record's `version` where a replica keeps a copy of it, so the replica
/// can apply them in order (see the version gate in the worker runtime).

public struct TicketCreated: Event {
    public static let name = EventName.ticketCreated
    public var id: String
    public var title: String
    public var priceCents: Int
    public var userId: String
    public var version: Int
    public init(id: String, title: String, priceCents: Int, userId: String, version: Int) {
        self.id = id; self.title = title; self.priceCents = priceCents; self.userId = userId; self.version = version
    }
}

public struct TicketUpdated: Event {
    public static let name = EventName.ticketUpdated
    public var id: String
    public var title: String
    public var priceCents: Int
    public var userId: String
    /// The order holding the ticket, if reserved.
    public var orderId: String?
    public var version: Int
    public init(id: String, title: String, priceCents: Int, userId: String, orderId: String?, version: Int) {
        self.id = id; self.title = title; self.priceCents = priceCents; self.userId = userId
        self.orderId = orderId; self.version = version
    }
}

public struct OrderCreated: Event {
    public static let name = EventName.orderCreated
    public struct Ticket: Codable, Sendable, Hashable {
        public var id: String
        public var priceCents: Int
        public init(id: String, priceCents: Int) { self.id = id; self.priceCents = priceCents }
    }
    public var id: String
    public var status: OrderStatus
    public var userId: String
    public var expiresAt: Date
    public var version: Int
    public var ticket: Ticket
    public init(id: String, status: OrderStatus, userId: String, expiresAt: Date, version: Int, ticket: Ticket) {
        self.id = id; self.status = status; self.userId = userId; self.expiresAt = expiresAt
        self.version = version; self.ticket = ticket
    }
}

public struct OrderCancelled: Event {
    public static let name = EventName.orderCancelled
    public struct Ticket: Codable, Sendable, Hashable {
        public var id: String
        public init(id: String) { self.id = id }
    }
    public var id: String
    public var version: Int
    public var ticket: Ticket
    public init(id: String, version: Int, ticket: Ticket) { self.id = id; self.version = version; self.ticket = ticket }
}

public struct ExpirationComplete: Event {
    public static let name = EventName.expirationComplete
    public var orderId: String
    public init(orderId: String) { self.orderId = orderId }
}

public struct PaymentCreated: Event {
    public static let name = EventName.paymentCreated
    public var id: String
    public var orderId: String
    public var stripeId: String
    public init(id: String, orderId: String, stripeId: String) { self.id = id; self.orderId = orderId; self.stripeId = stripeId }
}

/// An order's life: `created` (ticket reserved, awaiting the ticket service's confirmation),
/// `awaiting:payment`, then `complete` when paid or `cancelled` when cancelled or expired.
public enum OrderStatus: String, Codable, Sendable, Hashable, CaseIterable {
    case created
    case cancelled
    case awaitingPayment = "awaiting:payment"
    case complete
}
