import Foundation

/// What clients see: the JSON bodies of the HTTP API, also the bodies of command replies.
/// Prices are in the currency's main unit (dollars, with cents as decimals), as clients of the
/// well-known ticketing app expect; they are stored and carried as integer cents.

public struct UserView: Codable, Sendable, Hashable {
    public var id: String
    public var email: String
    public init(id: String, email: String) { self.id = id; self.email = email }
}

public struct TicketView: Codable, Sendable, Hashable {
    public var id: String
    public var title: String
    public var price: Double
    public var userId: String
    public var version: Int
    public var orderId: String?
    public init(id: String, title: String, priceCents: Int, userId: String, version: Int, orderId: String?) {
        self.id = id; self.title = title; self.price = Money.dollars(priceCents); self.userId = userId
        self.version = version; self.orderId = orderId
    }
}

public struct OrderView: Codable, Sendable, Hashable {
    public struct Ticket: Codable, Sendable, Hashable {
        public var id: String
        public var title: String
        public var price: Double
        public init(id: String, title: String, priceCents: Int) { self.id = id; self.title = title; self.price = Money.dollars(priceCents) }
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

public struct PaymentView: Codable, Sendable, Hashable {
    public var id: String
    public var orderId: String
    public var stripeId: String
    public init(id: String, orderId: String, stripeId: String) { self.id = id; self.orderId = orderId; self.stripeId = stripeId }
}

/// Integer cents and the decimal prices clients send.
public enum Money {
    public static let maximumCents = 100_000_000

    public static func dollars(_ cents: Int) -> Double { Double(cents) / 100 }

    /// Cents for a price given as JSON number text or a Double: > 0, ≤ 1,000,000, at most two
    /// decimals. Nil for anything else.
    public static func cents(fromDecimal text: String) -> Int? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int(parts[0]), !parts[0].hasPrefix("-"), !parts[0].hasPrefix("+") else { return nil }
        // Bounded before multiplying: a huge whole part would overflow (and trap) otherwise.
        guard whole <= maximumCents / 100 else { return nil }
        var cents = whole * 100
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count), fraction.allSatisfy(\.isASCII), let digits = Int(fraction), !fraction.hasPrefix("-"), !fraction.hasPrefix("+") else { return nil }
            cents += fraction.count == 1 ? digits * 10 : digits
        }
        guard whole <= maximumCents / 100, cents > 0, cents <= maximumCents else { return nil }
        return cents
    }

    public static func cents(from value: Double) -> Int? {
        guard value.isFinite, value > 0 else { return nil }
        let cents = (value * 100).rounded()
        guard abs(cents - value * 100) < 1e-6, cents <= Double(maximumCents) else { return nil }
        return Int(cents)
    }
}
