/// Why a gateway call did not produce a result. Thrown, so the message stays pending and is
/// tried again (then dead-lettered with this description if it never passes).
public struct PaymentGatewayError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case unavailable, refused, unexpectedResponse
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The provider could not be reached, failed (5xx), or asked us to slow down (429) or
        /// to wait for a concurrent request with the same key (409): worth another try.
        public static let unavailable = Code(.unavailable)
        /// The provider refused a request the payer cannot fix (our key, a refund it will not
        /// make): an operator has to look; retries and then the dead letter keep the message.
        public static let refused = Code(.refused)
        /// The provider answered with something we cannot read.
        public static let unexpectedResponse = Code(.unexpectedResponse)

        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "payment gateway \(code): \(message)" }
}
