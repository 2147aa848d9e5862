import Contracts
import Foundation
import JWTKit

/// The signed-in user, as the verified token says.
public struct Session: Sendable, Hashable {
    public let userID: String
    public let email: String
    /// The token's `jti`, which sign-out revokes; nil for a session that no token carries.
    public let tokenID: String?
    /// When the token expires: a revocation need not outlive it.
    public let expires: Date?

    public init(userID: String, email: String, tokenID: String? = nil, expires: Date? = nil) {
        self.userID = userID; self.email = email; self.tokenID = tokenID; self.expires = expires
    }

    public var user: UserView { UserView(id: userID, email: email) }
}

/// The token's claims: `sub` (user id), `email`, `iat`, `exp`, `jti` (random, for revocation),
/// `iss` and `aud` (so a token this API did not mint for itself is refused, even if a key is
/// shared with another system).
struct SessionClaims: JWTPayload {
    var sub: SubjectClaim
    var email: String
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var jti: IDClaim
    var iss: IssuerClaim
    var aud: AudienceClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        guard iss.value == SessionTokens.issuer else { throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "wrong issuer") }
        try aud.verifyIntendedAudience(includes: SessionTokens.audience)
    }
}

/// Signs and verifies session tokens: HS256 only, with one or more keys told apart by `kid`
/// (the first signs, all verify, so a key can be rotated without signing everyone out). A
/// token whose header names any other algorithm or an unknown `kid` is refused before its
/// signature is even looked at. A verified token is still refused once revoked.
struct SessionTokens: Sendable {
    static let lifetime: TimeInterval = 24 * 3600
    static let algorithm = "HS256"
    static let issuer = "ticketing-api"
    static let audience = "ticketing"

    private let keys: JWTKeyCollection
    private let signingKeyID: JWKIdentifier
    private let keyIDs: Set<String>
    private let revocations: SessionRevocations?
    private let verified = VerifiedTokens()

    /// - Parameter revocations: where sign-outs are kept; nil only in tests of the tokens alone.
    init(keys signingKeys: [APIConfiguration.SigningKey], revocations: SessionRevocations?) async {
        precondition(!signingKeys.isEmpty, "at least one signing key")
        let keys = JWTKeyCollection()
        for key in signingKeys {
            await keys.add(hmac: HMACKey(from: key.secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.id))
        }
        self.keys = keys
        self.signingKeyID = JWKIdentifier(string: signingKeys[0].id)
        self.keyIDs = Set(signingKeys.map(\.id))
        self.revocations = revocations
    }

    func sign(_ user: UserView, now: Date = Date()) async throws -> String {
        let claims = SessionClaims(
            sub: SubjectClaim(value: user.id), email: user.email,
            iat: IssuedAtClaim(value: now), exp: ExpirationClaim(value: now.addingTimeInterval(Self.lifetime)),
            jti: IDClaim(value: Self.randomID()), iss: IssuerClaim(value: Self.issuer), aud: AudienceClaim(value: [Self.audience]))
        return try await keys.sign(claims, kid: signingKeyID)
    }

    /// The session a token proves, or nil for a token that is malformed, forged, expired,
    /// signed with another algorithm or an unknown key, meant for someone else, or revoked.
    /// A token seen before skips the parse and HMAC, never the revocation check.
    func verify(_ token: String) async -> Session? {
        guard let session = await verifySignature(token) else { return nil }
        return await isRevoked(session) ? nil : session
    }

    /// The session a token proves, its revocation not yet checked: only for a caller that
    /// checks it before acting (see ``SessionMiddleware``), with ``isRevoked(_:)`` or within
    /// a command's admission (``CommandLimits``).
    func verifySignature(_ token: String) async -> Session? {
        if let known = verified.session(for: token) { return known }
        guard let header = Self.header(of: token), header.alg == Self.algorithm,
              let kid = header.kid, keyIDs.contains(kid),
              let claims = try? await keys.verify(token, as: SessionClaims.self),
              let userID = RecordID.normalize(claims.sub.value)
        else { return nil }
        let session = Session(userID: userID, email: claims.email, tokenID: claims.jti.value, expires: claims.exp.value)
        verified.remember(token, session, expires: claims.exp.value)
        return session
    }

    /// Whether sign-outs are kept at all (not in tests of the tokens alone).
    var checksRevocations: Bool { revocations != nil }

    /// Whether the session's token was signed out. Fails closed: a token whose revocation
    /// cannot be checked, or that carries no id to revoke, counts as revoked.
    func isRevoked(_ session: Session) async -> Bool {
        guard let revocations else { return false }
        guard let tokenID = session.tokenID, let revoked = try? await revocations.isRevoked(tokenID) else { return true }
        return revoked
    }

    /// Ends `session`'s token everywhere, for the rest of its life.
    func revoke(_ session: Session) async throws {
        guard let revocations, let tokenID = session.tokenID, let expires = session.expires else { return }
        try await revocations.revoke(tokenID, until: expires)
    }

    /// 128 random bits, URL-safe.
    private static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined(separator: "-")
    }

    /// The `alg` and `kid` of the token's header, read without trusting anything else in it.
    private static func header(of token: String) -> (alg: String, kid: String?)? {
        guard let header = token.split(separator: ".", omittingEmptySubsequences: false).first else { return nil }
        var base64 = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let alg = object["alg"] as? String
        else { return nil }
        return (alg, object["kid"] as? String)
    }
}
