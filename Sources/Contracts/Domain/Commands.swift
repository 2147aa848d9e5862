/// Commands, one per state change the API offers. The acting user travels in the envelope's
/// `user_id`, set by the API from the verified token, never in a payload.

public struct SignUp: CarriesPassword {
    public static let service = ServiceName.auth
    public static let type = "sign-up"
    public var email: String
    public var password: Password
    public init(email: String, password: Password) { self.email = email; self.password = password }
}

public struct SignIn: CarriesPassword {
    public static let service = ServiceName.auth
    public static let type = "sign-in"
    public var email: String
    public var password: Password
    public init(email: String, password: Password) { self.email = email; self.password = password }
}

public struct CreateTicket: Command {
    public static let service = ServiceName.tickets
    public static let type = "create-ticket"
    public var title: String
    public var priceCents: Int
    public init(title: String, priceCents: Int) { self.title = title; self.priceCents = priceCents }
}

public struct UpdateTicket: Command {
    public static let service = ServiceName.tickets
    public static let type = "update-ticket"
    public var ticketId: String
    public var title: String
    public var priceCents: Int
    public init(ticketId: String, title: String, priceCents: Int) {
        self.ticketId = ticketId
        self.title = title
        self.priceCents = priceCents
    }
}

public struct CreateOrder: Command {
    public static let service = ServiceName.orders
    public static let type = "create-order"
    public var ticketId: String
    public init(ticketId: String) { self.ticketId = ticketId }
}

public struct CancelOrder: Command {
    public static let service = ServiceName.orders
    public static let type = "cancel-order"
    public var orderId: String
    public init(orderId: String) { self.orderId = orderId }
}

public struct CreatePayment: Command {
    public static let service = ServiceName.payments
    public static let type = "create-payment"
    public var orderId: String
    public var token: String
    public init(orderId: String, token: String) { self.orderId = orderId; self.token = token }
}
