import Contracts
import FleetTestSupport
import Foundation
import Testing

@Suite("auth: sign in", .timeLimit(.minutes(2)))
struct SignInTests {
    @Test("signing in with the right password answers 200 with the account, whatever the email's casing")
    func signInWithRightPassword() async throws {
        let auth = try await AuthFixture.start()
        let created = try await auth.signUp("erin@example.com", "open sesame").decode(UserView.self)
        let reply = try await auth.signIn("  ERIN@example.com", "open sesame")
        #expect(reply.status == 200)
        #expect(try reply.decode(UserView.self) == created)
        try await auth.stop()
    }

    @Test("a wrong password and an unknown email get the same 400 Invalid credentials")
    func wrongPasswordAndUnknownEmailLookAlike() async throws {
        let auth = try await AuthFixture.start()
        #expect(try await auth.signUp("frank@example.com", "open sesame").status == 201)
        let wrongPassword = try await auth.signIn("frank@example.com", "open barley")
        let unknownEmail = try await auth.signIn("nobody@example.com", "open sesame")
        #expect(wrongPassword.status == 400)
        #expect(wrongPassword.errors == [ErrorBody.Item(message: "Invalid credentials")])
        #expect(unknownEmail == wrongPassword)
        try await auth.stop()
    }

    @Test("no reply ever carries a password or a password hash")
    func repliesNeverCarrySecrets() async throws {
        let auth = try await AuthFixture.start()
        let password = "hunter2-hunter2"
        _ = try await auth.signUp("grace@example.com", password)
        _ = try await auth.signUp("grace@example.com", password)
        _ = try await auth.signUp("not-an-email", password)
        _ = try await auth.signIn("grace@example.com", password)
        _ = try await auth.signIn("grace@example.com", "wrong-password")
        _ = try await auth.signIn("nobody@example.com", password)
        let hash = try await auth.harness.database.query("SELECT password_hash FROM auth.users").decodeColumn(String.self)
        #expect(hash.count == 1)
        let bodies = try await auth.replyBodies()
        #expect(bodies.count == 6)
        for body in bodies {
            #expect(!body.contains(password))
            #expect(!body.contains("wrong-password"))
            #expect(!body.contains("$2"))
            #expect(!body.contains(hash[0]))
            #expect(!body.lowercased().contains("hash"))
        }
        try await auth.stop()
    }

    @Test("handled sign-up and sign-in commands are deleted from their stream, so their passwords do not stay in Redis")
    func handledCommandsDeleted() async throws {
        let auth = try await AuthFixture.start()
        #expect(try await auth.signUp("carol@example.com", "marker-password-1").status == 201)
        #expect(try await auth.signIn("carol@example.com", "marker-password-1").status == 200)
        #expect(try await auth.signIn("carol@example.com", "wrong-password-2").status == 400)
        let stream = auth.harness.keys.commands(.auth)
        // The deletion rides in the acknowledgement's pipeline, right after the reply.
        #expect(try await auth.harness.eventually { try await auth.harness.redis.xlen(stream) == 0 })
        let left = try await auth.harness.redis.xrange(stream).flatMap { $0.fields.map(\.value) }
        #expect(!left.contains { $0.contains("marker-password") })
        try await auth.stop()
    }
}
