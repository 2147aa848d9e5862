import Foundation
import Testing
@testable import API

@Suite("verified tokens remembered")
struct VerifiedTokensTests {
    private let session = Session(userID: "0f9e8d7c-6b5a-4c3d-8e1f-2a3b4c5d6e7f", email: "a@example.com")

    @Test("a remembered token proves its session until it expires, and not after")
    func expiry() {
        let tokens = VerifiedTokens()
        let now = Date()
        tokens.remember("t", session, expires: now.addingTimeInterval(60))
        #expect(tokens.session(for: "t", now: now) == session)
        #expect(tokens.session(for: "t", now: now.addingTimeInterval(61)) == nil)
        #expect(tokens.session(for: "t", now: now) == nil, "an expired entry is forgotten")
        #expect(tokens.session(for: "other", now: now) == nil)
    }

    @Test("when full it starts over rather than growing")
    func bounded() {
        let tokens = VerifiedTokens(capacity: 3)
        let later = Date().addingTimeInterval(60)
        for name in ["a", "b", "c"] { tokens.remember(name, session, expires: later) }
        tokens.remember("d", session, expires: later)
        #expect(tokens.session(for: "a") == nil)
        #expect(tokens.session(for: "d") == session)
    }
}
