import API
import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Testing

/// Claims shaped like the API's, for minting tokens it did not sign.
private struct ForeignClaims: JWTPayload {
    var sub: SubjectClaim
    var email: String
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var jti: IDClaim
    var iss: IssuerClaim
    var aud: AudienceClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {}

    init(user: UserView, iss: String = "ticketing-api", aud: String = "ticketing") {
        sub = SubjectClaim(value: user.id); email = user.email
        iat = IssuedAtClaim(value: Date()); exp = ExpirationClaim(value: Date().addingTimeInterval(3600))
        jti = IDClaim(value: UUID().uuidString); self.iss = IssuerClaim(value: iss); self.aud = AudienceClaim(value: [aud])
    }
}

private func mint(_ claims: ForeignClaims, secret: String, kid: String) async throws -> String {
    let keys = JWTKeyCollection()
    await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
    return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
}

private let currentUser = "/api/users/currentuser"
private let anonymous = #"{"currentUser":null}"#

@Suite("sign-out, token claims and key rotation", .timeLimit(.minutes(3)))
struct SessionRevocationTests {
    @Test("a copied token fails after sign-out, by cookie and by Bearer, on this API copy and on another sharing Redis")
    func signOutRevokes() async throws {
        try await APITestHarness.with { harness, first in
            let (token, user) = try await first.signUp()
            try await harness.run(harness.configuration()) { second in
                #expect(try await second.send(.get, currentUser, token: token).text.contains(user.id))
                // Signed in on both copies: the cached verification must not outlive sign-out.
                #expect(try await first.send(.get, currentUser, cookie: token).text.contains(user.id))
                let out = try await first.send(.post, "/api/users/signout", cookie: token)
                #expect(out.status == .ok)
                #expect(try await first.send(.get, currentUser, cookie: token).text == anonymous)
                #expect(try await first.send(.get, currentUser, token: token).text == anonymous)
                #expect(try await second.send(.get, currentUser, cookie: token).text == anonymous)
                #expect(try await second.send(.get, currentUser, token: token).text == anonymous)
                let order = try await second.send(.post, "/api/orders", json: #"{"ticketId":"\#(UUID().uuidString.lowercased())"}"#, token: token)
                #expect(order.status == .unauthorized)
            }
            // Sign-out by Bearer revokes too, and only the token presented.
            let (other, otherUser) = try await first.signUp()
            let (kept, _) = try await first.signUp()
            _ = otherUser
            #expect(try await first.send(.post, "/api/users/signout", token: other).status == .ok)
            #expect(try await first.send(.get, currentUser, token: other).text == anonymous)
            #expect(try await first.send(.get, currentUser, token: kept).text != anonymous)
            // The revocation lasts as long as the token would have, no longer.
            let revoked = try await harness.services.redis.scanAll(matching: harness.services.keys.revoked("*"))
            #expect(revoked.count == 2)
            for key in revoked {
                let ttl = try await harness.services.redis.send("PTTL", key).asInt()
                #expect(ttl > 23 * 3600 * 1000 && ttl <= 24 * 3600 * 1000)
            }
        }
    }

    @Test("placing an order checks the token's revocation within its admission: once signed out, 401, its attempts count toward no limit, and an outcome stored under its Idempotency-Key is not replayed to it")
    func orderAdmissionChecksRevocation() async throws {
        try await APITestHarness.with { harness, client in
            let (token, _) = try await client.signUp()
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "order-before-sign-out"]
            let json = #"{"ticketId":"\#(UUID().uuidString.lowercased())"}"#
            let before = try await client.send(.post, "/api/orders", json: json, token: token, headers: key)
            #expect(before.status == .created)
            let limitKeys = try await harness.services.redis.scanAll(matching: "\(harness.services.keys.prefix):limits:orders-user:*")
            #expect(limitKeys.count == 1)
            let counted = try await harness.services.redis.send("ZCARD", try #require(limitKeys.first)).asInt()
            #expect(counted == 1)

            #expect(try await client.send(.post, "/api/users/signout", token: token).status == .ok)
            let replayed = try await client.send(.post, "/api/orders", json: json, token: token, headers: key)
            #expect(replayed.status == .unauthorized)
            #expect(!replayed.text.contains(before.text), "the stored outcome went to a signed-out token")
            let fresh = try await client.send(.post, "/api/orders", json: #"{"ticketId":"\#(UUID().uuidString.lowercased())"}"#, cookie: token)
            #expect(fresh.status == .unauthorized)
            #expect(try await harness.services.redis.send("ZCARD", try #require(limitKeys.first)).asInt() == counted)
            #expect(harness.responder.count(CreateOrder.type) == 1)
        }
    }

    @Test("with the rate limits off, a signed-out token still cannot place an order")
    func orderRevocationWithoutLimits() async throws {
        try await APITestHarness.with(configure: { $0.limits.enabled = false }) { harness, client in
            let (token, _) = try await client.signUp()
            #expect(try await client.send(.post, "/api/users/signout", token: token).status == .ok)
            let order = try await client.send(.post, "/api/orders", json: #"{"ticketId":"\#(UUID().uuidString.lowercased())"}"#, token: token)
            #expect(order.status == .unauthorized)
            #expect(harness.responder.count(CreateOrder.type) == 0)
        }
    }

    @Test("a token with the wrong issuer or audience is refused, though signed with the API's key")
    func issuerAndAudience() async throws {
        try await APITestHarness.with { _, client in
            let (_, user) = try await client.signUp()
            let good = try await mint(ForeignClaims(user: user), secret: APITestHarness.jwtKey, kid: APIConfiguration.singleKeyID)
            // The control: the same minting with the right claims is a session (until revoked).
            let control = try await client.send(.get, currentUser, token: good)
            #expect(control.text.contains(user.id))
            for claims in [ForeignClaims(user: user, iss: "someone-else"), ForeignClaims(user: user, aud: "another-app")] {
                let token = try await mint(claims, secret: APITestHarness.jwtKey, kid: APIConfiguration.singleKeyID)
                #expect(try await client.send(.get, currentUser, token: token).text == anonymous)
            }
        }
    }

    @Test("after a key rotation a token signed with the previous kid still verifies; an unknown kid is refused")
    func rotation() async throws {
        let old = APIConfiguration.SigningKey(id: "2026-01", secret: "the-previous-key-of-at-least-32-bytes-0001")
        let new = APIConfiguration.SigningKey(id: "2026-06", secret: "the-current-key-of-at-least-32-bytes-00002")
        try await APITestHarness.with(configure: { $0.jwtKeys = [old] }) { harness, before in
            let (token, user) = try await before.signUp()
            var rotated = harness.configuration()
            rotated.jwtKeys = [new, old]
            try await harness.run(rotated) { after in
                #expect(try await after.send(.get, currentUser, token: token).text.contains(user.id))
                let (fresh, _) = try await after.signUp()
                // Signed with the new key: the old-only copy does not know it.
                #expect(try await before.send(.get, currentUser, token: fresh).text == anonymous)
                // A kid the API does not list is refused, even with a signature by one of its
                // keys (JWTKit alone would try its default key for an unknown kid).
                let unknown = try await mint(ForeignClaims(user: user), secret: new.secret, kid: "2025-12")
                #expect(try await after.send(.get, currentUser, token: unknown).text == anonymous)
            }
            var retired = harness.configuration()
            retired.jwtKeys = [new]
            try await harness.run(retired) { after in
                let response = try await after.send(.get, currentUser, token: token)
                #expect(response.text == anonymous)
            }
        }
    }

    @Test("secure cookies are named __Host-session (Secure, Path=/, no Domain) and read under that name only")
    func hostPrefixedCookie() async throws {
        try await APITestHarness.with(configure: { $0.cookieSecure = true }) { _, client in
            let response = try await client.send(.post, "/api/users/signup", json: #"{"email":"host-\#(UUID().uuidString.prefix(6).lowercased())@example.com","password":"password123"}"#)
            #expect(response.status == .created)
            let line = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("__Host-session=") })
            #expect(line.contains("Secure"))
            #expect(line.contains("Path=/"))
            #expect(!line.lowercased().contains("domain"))
            let token = String(line.dropFirst("__Host-session=".count).prefix { $0 != ";" })
            let user = try response.decode(UserView.self)
            let byHostCookie = try await client.send(.get, currentUser, headers: [.cookie: "__Host-session=\(token)"])
            #expect(byHostCookie.text.contains(user.id))
            #expect(try await client.send(.get, currentUser, cookie: token).text == anonymous)
            let out = try await client.send(.post, "/api/users/signout", headers: [.cookie: "__Host-session=\(token)"])
            #expect(out.headers[values: .setCookie].contains { $0.hasPrefix("__Host-session=;") })
        }
        try await APITestHarness.with(configure: { $0.cookieSecure = false }) { _, client in
            let (token, user) = try await client.signUp()
            #expect(try await client.send(.get, currentUser, cookie: token).text.contains(user.id))
            #expect(try await client.send(.get, currentUser, headers: [.cookie: "__Host-session=\(token)"]).text == anonymous)
        }
    }
}
