/// A payment provider, as far as the payments service needs one: take money for an order
/// once, and give it back.
///
/// Both calls are made inside the worker's transaction and may be repeated (a retried batch,
/// a redelivered message), so implementations must be idempotent on `idempotencyKey`: the
/// same key gives the same charge or refund, never a second one.
public protocol PaymentGateway: Sendable {
    /// Charges a card token. A refusal the payer can act on is a result; anything that may
    /// pass on a later try (network, provider down) is a thrown ``PaymentGatewayError``.
    func charge(_ request: ChargeRequest) async throws -> ChargeResult

    /// Gives a charge back in full. Throws when the refund did not happen.
    func refund(_ request: RefundRequest) async throws -> RefundResult
}

/// One charge: how much, with which token, and the key that makes a repeat harmless.
public struct ChargeRequest: Sendable, Hashable {
    public var amountCents: Int
    /// ISO currency code, lowercase, as Stripe wants it.
    public var currency: String
    public var token: String
    public var description: String
    public var idempotencyKey: String

    public init(amountCents: Int, currency: String, token: String, description: String, idempotencyKey: String) {
        self.amountCents = amountCents
        self.currency = currency
        self.token = token
        self.description = description
        self.idempotencyKey = idempotencyKey
    }
}

/// How a charge ended, when it ended at all.
public enum ChargeResult: Sendable, Hashable {
    /// Money taken; `id` is the provider's charge id.
    case charged(id: String)
    /// The card was refused (HTTP 402 from Stripe); `message` is fit to show the payer.
    case declined(message: String)
    /// The request was refused as invalid (a bad or used token, an amount out of range);
    /// `field` names the command's input at fault when the provider says which.
    case invalid(message: String, field: String?)
}

/// Giving back one charge; `idempotencyKey` makes a repeat harmless.
public struct RefundRequest: Sendable, Hashable {
    public var chargeID: String
    public var idempotencyKey: String

    public init(chargeID: String, idempotencyKey: String) {
        self.chargeID = chargeID
        self.idempotencyKey = idempotencyKey
    }
}

/// A refund that is done: made now (with the provider's id), or made before.
public enum RefundResult: Sendable, Hashable {
    case refunded(id: String)
    case alreadyRefunded

    /// The provider's refund id, when this call learnt it.
    public var refundID: String? {
        if case .refunded(let id) = self { return id }
        return nil
    }
}
