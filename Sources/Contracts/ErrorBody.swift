/// The one error shape clients see: `{"errors":[{"message":"…","field":"…"}]}`,
/// with `field` when one input is at fault.
public struct ErrorBody: Codable, Sendable, Hashable {
    public struct Item: Codable, Sendable, Hashable {
        public var message: String
        public var field: String?

        public init(message: String, field: String? = nil) {
            self.message = message
            self.field = field
        }
    }

    public var errors: [Item]

    public init(errors: [Item]) {
        self.errors = errors
    }

    public init(message: String, field: String? = nil) {
        self.errors = [Item(message: message, field: field)]
    }
}
