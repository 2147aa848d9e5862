import Contracts

// Request bodies as clients send them: every field optional, so that a missing field is a
// validation error with its name rather than a decoding failure. Each turns itself into the
// command it asks for, or throws 400 with every field at fault.

struct CredentialsInput: Decodable {
    var email: String?
    var password: String?

    func signUp() throws -> SignUp {
        var validation = Validation()
        let email = validation.email(email)
        let password = validation.newPassword(password)
        try validation.check()
        return SignUp(email: email, password: password)
    }

    func signIn() throws -> SignIn {
        var validation = Validation()
        let email = validation.email(email)
        let password = validation.existingPassword(password)
        try validation.check()
        return SignIn(email: email, password: password)
    }
}

struct TicketInput: Decodable {
    var title: String?
    var price: PriceText?

    func create() throws -> CreateTicket {
        var validation = Validation()
        let title = validation.title(title)
        let cents = validation.price(price)
        try validation.check()
        return CreateTicket(title: title, priceCents: cents)
    }

    func update(id rawID: String?) throws -> UpdateTicket {
        var validation = Validation()
        let id = validation.id(rawID, field: "id")
        let title = validation.title(title)
        let cents = validation.price(price)
        try validation.check()
        return UpdateTicket(ticketId: id, title: title, priceCents: cents)
    }
}

struct OrderInput: Decodable {
    var ticketId: String?

    func create() throws -> CreateOrder {
        var validation = Validation()
        let id = validation.id(ticketId, field: "ticketId")
        try validation.check()
        return CreateOrder(ticketId: id)
    }
}

struct PaymentInput: Decodable {
    var orderId: String?
    var token: String?

    func create() throws -> CreatePayment {
        var validation = Validation()
        let id = validation.id(orderId, field: "orderId")
        let token = validation.text(token, field: "token")
        try validation.check()
        return CreatePayment(orderId: id, token: token)
    }
}

/// A path id: a UUID or 400 naming `id`.
func pathID(_ raw: String?) throws -> String {
    var validation = Validation()
    let id = validation.id(raw, field: "id")
    try validation.check()
    return id
}
