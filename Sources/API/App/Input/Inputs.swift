import Contracts

// Request bodies as clients send them: every field optional, so that a missing field is a
// validation error with its name rather than a decoding failure. Each turns itself into the
// command it asks for, or throws 400 with every field at fault. Public, so the web pages'
// forms are validated by the same rules.

public struct CredentialsInput: Decodable, Sendable {
    public var email: String?
    public var password: String?

    public init(email: String?, password: String?) { self.email = email; self.password = password }

    public func signUp() throws -> SignUp {
        var validation = Validation()
        let email = validation.email(email)
        let password = validation.newPassword(password)
        try validation.check()
        return SignUp(email: email, password: .clear(password))
    }

    public func signIn() throws -> SignIn {
        var validation = Validation()
        let email = validation.email(email)
        let password = validation.existingPassword(password)
        try validation.check()
        return SignIn(email: email, password: .clear(password))
    }
}

public struct TicketInput: Decodable, Sendable {
    public var title: String?
    public var price: PriceText?

    public init(title: String?, price: PriceText?) { self.title = title; self.price = price }

    public func create() throws -> CreateTicket {
        var validation = Validation()
        let title = validation.title(title)
        let cents = validation.price(price)
        try validation.check()
        return CreateTicket(title: title, priceCents: cents)
    }

    public func update(id rawID: String?) throws -> UpdateTicket {
        var validation = Validation()
        let id = validation.id(rawID, field: "id")
        let title = validation.title(title)
        let cents = validation.price(price)
        try validation.check()
        return UpdateTicket(ticketId: id, title: title, priceCents: cents)
    }
}

public struct OrderInput: Decodable, Sendable {
    public var ticketId: String?

    public init(ticketId: String?) { self.ticketId = ticketId }

    public func create() throws -> CreateOrder {
        var validation = Validation()
        let id = validation.id(ticketId, field: "ticketId")
        try validation.check()
        return CreateOrder(ticketId: id)
    }
}

public struct PaymentInput: Decodable, Sendable {
    public var orderId: String?
    public var token: String?

    public init(orderId: String?, token: String?) { self.orderId = orderId; self.token = token }

    public func create() throws -> CreatePayment {
        var validation = Validation()
        let id = validation.id(orderId, field: "orderId")
        let token = validation.text(token, field: "token")
        try validation.check()
        return CreatePayment(orderId: id, token: token)
    }
}

/// A path id: a UUID or 400 naming `id`.
public func pathID(_ raw: String?) throws -> String {
    var validation = Validation()
    let id = validation.id(raw, field: "id")
    try validation.check()
    return id
}
