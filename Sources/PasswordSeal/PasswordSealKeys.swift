import Crypto
import Foundation

/// The keys that seal passwords from the API to the auth service, and only those two hold
/// them: `PASSWORD_SEAL_KEYS`, a comma-separated list of `kid:base64key` (32-byte keys). The
/// first seals; every one opens, so a key is rotated in three steps without refusing anyone:
/// append the new key everywhere, move it to the front everywhere, drop the old one once no
/// command sealed with it is left (dead letters included).
public struct PasswordSealKeys: Sendable {
    /// The environment variable the keys come from.
    public static let variable = "PASSWORD_SEAL_KEYS"
    /// The development key's id: it says what it is, so it is recognised (and refused in
    /// production) anywhere.
    public static let developmentKeyID = "development-only-never-use-in-production"

    /// The keys used when none are given outside production: derived from a public phrase, so
    /// they protect nothing; they only keep the wire format the same in development.
    public static let development = PasswordSealKeys(
        keys: [(developmentKeyID, SymmetricKey(data: SHA256.hash(data: Data("ticketing password seal, development only".utf8))))])

    let sealing: (id: String, key: SymmetricKey)
    let opening: [String: SymmetricKey]

    /// Whether these are the ``development`` keys (alone or among others).
    public var includesDevelopmentKey: Bool { opening[Self.developmentKeyID] != nil }

    /// The key ids, sealing one first, for logs (never the keys).
    public let keyIDs: [String]

    private init(keys: [(String, SymmetricKey)]) {
        sealing = (keys[0].0, keys[0].1)
        opening = Dictionary(keys, uniquingKeysWith: { first, _ in first })
        keyIDs = keys.map(\.0)
    }

    /// Parses `kid:base64key,kid:base64key`. The message of the error names the entry at fault,
    /// never a key.
    public init(parsing text: String) throws {
        var keys: [(String, SymmetricKey)] = []
        for (index, entry) in text.split(separator: ",").enumerated() {
            let entry = entry.trimmingCharacters(in: .whitespaces)
            guard let colon = entry.firstIndex(of: ":") else {
                throw PasswordSealError("\(Self.variable) entry \(index + 1) is not kid:base64key")
            }
            let id = String(entry[..<colon])
            guard !id.isEmpty, id.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: ",") }) else {
                throw PasswordSealError("\(Self.variable) entry \(index + 1) has an empty or unprintable key id")
            }
            guard let bytes = Data(base64Encoded: String(entry[entry.index(after: colon)...])), bytes.count == 32 else {
                throw PasswordSealError("\(Self.variable) key \(id) must be 32 bytes, base64 (openssl rand -base64 32)")
            }
            guard !keys.contains(where: { $0.0 == id }) else {
                throw PasswordSealError("\(Self.variable) names key \(id) twice")
            }
            keys.append((id, SymmetricKey(data: bytes)))
        }
        guard !keys.isEmpty else { throw PasswordSealError("\(Self.variable) holds no key") }
        self.init(keys: keys)
    }

    /// The keys a process runs with: `text` when given; without it the ``development`` keys if
    /// `developmentAllowed`, else an error. A production process (`developmentAllowed` false)
    /// also refuses the development key among given ones.
    public static func configured(_ text: String?, developmentAllowed: Bool, refusal: String) throws -> PasswordSealKeys {
        guard let text, !text.isEmpty else {
            if developmentAllowed { return .development }
            throw PasswordSealError(refusal)
        }
        let keys = try PasswordSealKeys(parsing: text)
        if keys.includesDevelopmentKey && !developmentAllowed { throw PasswordSealError(refusal) }
        return keys
    }
}

/// A seal key setting that cannot work, or a sealed password that does not open. The message
/// never holds a key or a password.
public struct PasswordSealError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
