/// A password in a ``SignUp`` or ``SignIn``. It exists in the clear only inside the API's
/// process: the command bus seals it to the auth service before the command leaves, and a
/// clear password refuses to be encoded, so it cannot reach Redis by an oversight.
public enum Password: Codable, Sendable, Hashable {
    case clear(String)
    case sealed(SealedPassword)

    /// What comes off a stream is always sealed.
    public init(from decoder: any Decoder) throws {
        self = .sealed(try SealedPassword(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        guard case .sealed(let sealed) = self else {
            throw EncodingError.invalidValue(self, .init(
                codingPath: encoder.codingPath, debugDescription: "a password is sealed before it is encoded"))
        }
        try sealed.encode(to: encoder)
    }
}

/// A password sealed (AEAD) to the auth service: the id of the key that sealed it and the
/// sealed box, base64. The box is bound to its command (id, type, email), so it opens only
/// there and cannot be replayed into another command.
public struct SealedPassword: Codable, Sendable, Hashable {
    public var keyID: String
    public var box: String

    public init(keyID: String, box: String) { self.keyID = keyID; self.box = box }

    private enum CodingKeys: String, CodingKey {
        case keyID = "kid"
        case box
    }
}

/// A command that carries a password: the command bus seals it, the auth service opens it.
public protocol CarriesPassword: Command {
    var email: String { get }
    var password: Password { get set }
}
