import Contracts
import Foundation
import JWTKit

/// The signed-in user, as the verified token says.
public struct Session: Sendable, Hashable {
    public let userID: String
    public let email: String

    public init(userID: String, email: String) { self.userID = userID; self.email = email }

    public var user: UserView { UserView(id: userID, email: email) }
}

/// The token's claims: `sub` (user id), `email`, `iat`, `exp`.
struct SessionClaims: JWTPayload {
    var sub: SubjectClaim
    var email: String
    var iat: IssuedAtClaim
    var exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Signs and verifies session tokens: HS256 only, with one key. A token whose header names
/// any other algorithm is refused before its signature is even looked at.
struct SessionTokens: Sendable {
    static let lifetime: TimeInterval = 24 * 3600
    static let algorithm = "HS256"

    private let keys: JWTKeyCollection
    private let verified = VerifiedTokens()

    init(secret: String) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
    }

    func sign(_ user: UserView, now: Date = Date()) async throws -> String {
        let claims = SessionClaims(
            sub: SubjectClaim(value: user.id), email: user.email,
            iat: IssuedAtClaim(value: now), exp: ExpirationClaim(value: now.addingTimeInterval(Self.lifetime)))
        return try await keys.sign(claims)
    }

    /// The session a token proves, or nil for a token that is malformed, forged, expired or
    /// signed with another algorithm.
    /// A token seen before is answered from memory until it expires.
    func verify(_ token: String) async -> Session? {
        if let session = verified.session(for: token) { return session }
        guard Self.headerAlgorithm(of: token) == Self.algorithm,
              let claims = try? await keys.verify(token, as: SessionClaims.self),
              let userID = RecordID.normalize(claims.sub.value)
        else { return nil }
        let session = Session(userID: userID, email: claims.email)
        verified.remember(token, session, expires: claims.exp.value)
        return session
    }

    /// The `alg` of the token's header, read without trusting anything else in it.
    private static func headerAlgorithm(of token: String) -> String? {
        guard let header = token.split(separator: ".", omittingEmptySubsequences: false).first else { return nil }
        var base64 = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["alg"] as? String
    }
}
