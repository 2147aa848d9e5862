import Contracts
import FleetTestSupport
import Foundation
import Testing

/// The auth service checks what the API checked, since a command can reach its stream by
/// other ways than the API.
@Suite("auth: password and email rules", .timeLimit(.minutes(2)))
struct CredentialRulesTests {
    @Test("two passwords that differ only past bcrypt's 72 bytes are not one password: a longer one is refused at sign-up")
    func passwordsPastByte72() async throws {
        let auth = try await AuthFixture.start()
        // 36 two-byte characters: 72 bytes, within the limit though only 36 characters.
        let head = String(repeating: "é", count: 36)
        let long = try await auth.signUp("kim@example.com", head + "-first-tail")
        if long.status == 201 {
            // The case this guards against: bcrypt cut both to the same 72 bytes.
            let other = try await auth.signIn("kim@example.com", head + "-other-tail")
            #expect(other.status != 200, "a different password signed in")
        }
        #expect(long.status == 400)
        #expect(long.errors == [ErrorBody.Item(message: "Password must be at most 72 bytes (UTF-8)", field: "password")])
        #expect(try await auth.signUp("kim@example.com", head).status == 201)
        #expect(try await auth.signIn("kim@example.com", head).status == 200)
        try await auth.stop()
    }

    @Test("NUL and other control characters are refused in passwords, at sign-up and sign-in")
    func controlCharacters() async throws {
        let auth = try await AuthFixture.start()
        #expect(try await auth.signUp("lee@example.com", "open sesame").status == 201)
        for password in ["open sesame\u{0}anything", "open\u{7}sesame", "open\u{85}sesame", "open sesame\n"] {
            let up = try await auth.signUp("lee2@example.com", password)
            #expect(up.status == 400, "\(password.debugDescription)")
            #expect(up.errors.map(\.field) == ["password"])
            let signIn = try await auth.signIn("lee@example.com", password)
            #expect(signIn.status == 400)
            #expect(signIn.errors == [ErrorBody.Item(message: "Password must not contain control characters", field: "password")])
        }
        try await auth.stop()
    }

    @Test("one address is one account whatever its case, spaces and Unicode form (NFC)")
    func emailNormalised() async throws {
        let auth = try await AuthFixture.start()
        let composed = "Jos\u{e9}@Example.com"
        let decomposed = " JOSE\u{301}@example.COM "
        let created = try await auth.signUp(composed, "open sesame")
        #expect(created.status == 201)
        #expect(try created.decode(UserView.self).email == "jos\u{e9}@example.com")
        let again = try await auth.signUp(decomposed, "another password")
        #expect(again.status == 400)
        #expect(again.errors.map(\.field) == ["email"])
        let signedIn = try await auth.signIn(decomposed, "open sesame")
        #expect(signedIn.status == 200)
        #expect(try signedIn.decode(UserView.self) == created.decode(UserView.self))
        let stored = try await auth.harness.database.query("SELECT email FROM auth.users").decodeColumn(String.self)
        #expect(stored.map { Array($0.utf8) } == [Array("jos\u{e9}@example.com".utf8)])
        try await auth.stop()
    }
}
