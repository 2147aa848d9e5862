import Contracts
import FleetTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("auth: sign up", .timeLimit(.minutes(2)))
struct SignUpTests {
    @Test("signing up answers 201 with the account, its email trimmed and lowercased")
    func signUpCreatesAccount() async throws {
        let auth = try await AuthFixture.start()
        let reply = try await auth.signUp("  Alice@Example.COM ", "correct horse")
        #expect(reply.status == 201)
        let user = try reply.decode(UserView.self)
        #expect(user.email == "alice@example.com")
        #expect(RecordID.normalize(user.id) == user.id)

        let rows = try await auth.harness.database.query("SELECT email, password_hash FROM auth.users")
        let stored = try rows.decode((String, String).self)
        #expect(stored.count == 1)
        #expect(stored.first?.0 == "alice@example.com")
        #expect(stored.first?.1.hasPrefix("$2") == true)
        #expect(stored.first?.1.contains("correct horse") == false)
        try await auth.stop()
    }

    @Test("an email already in use, in any casing, is refused with 400 on the email field")
    func duplicateEmailRefused() async throws {
        let auth = try await AuthFixture.start()
        #expect(try await auth.signUp("bob@example.com", "password-1").status == 201)
        let again = try await auth.signUp(" BOB@example.com", "password-2")
        #expect(again.status == 400)
        #expect(again.errors == [ErrorBody.Item(message: "Email in use", field: "email")])
        let count = try await auth.harness.database.query("SELECT count(*) FROM auth.users").decodeColumn(Int.self)
        #expect(count == [1])
        try await auth.stop()
    }

    @Test("concurrent sign-ups of one email on two workers: exactly one account, the others told the email is in use")
    func concurrentSignUpsMakeOneAccount() async throws {
        let auth = try await AuthFixture.start(workers: 2)
        let replies = try await withThrowingTaskGroup(of: CommandReply.self) { group in
            for attempt in 0..<6 {
                group.addTask { try await auth.signUp("carol@example.com", "password-\(attempt)") }
            }
            return try await group.reduce(into: [CommandReply]()) { $0.append($1) }
        }
        #expect(replies.filter { $0.status == 201 }.count == 1)
        let refused = replies.filter { $0.status != 201 }
        #expect(refused.count == 5)
        #expect(refused.allSatisfy { $0.status == 400 && $0.errors == [ErrorBody.Item(message: "Email in use", field: "email")] })
        let count = try await auth.harness.database.query("SELECT count(*) FROM auth.users").decodeColumn(Int.self)
        #expect(count == [1])
        try await auth.stop()
    }

    @Test("an invalid email and a short or long password are refused with an error per field")
    func invalidInputRefused() async throws {
        let auth = try await AuthFixture.start()
        let both = try await auth.signUp("not-an-email", "short")
        #expect(both.status == 400)
        #expect(both.errors.map(\.field) == ["email", "password"])
        #expect(both.errors.first?.message == "Email must be valid")
        #expect(both.errors.last?.message == "Password must be at least 8 characters")

        let long = try await auth.signUp("dave@example.com", String(repeating: "x", count: 129))
        #expect(long.status == 400)
        #expect(long.errors.map(\.field) == ["password"])

        for email in ["", "a@b", "@example.com", "dave@", "da ve@example.com", "dave@@example.com", "dave@example..com"] {
            let reply = try await auth.signUp(email, "long enough")
            #expect(reply.status == 400, "\(email)")
            #expect(reply.errors.map(\.field) == ["email"], "\(email)")
        }
        let count = try await auth.harness.database.query("SELECT count(*) FROM auth.users").decodeColumn(Int.self)
        #expect(count == [0])
        try await auth.stop()
    }
}
