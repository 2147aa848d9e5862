import AuthService
import Contracts
import FleetTestSupport
import Foundation
import PasswordSeal
import Testing
import WorkerRuntime

@Suite("auth: sealed passwords", .timeLimit(.minutes(2)))
struct SealedPasswordTests {
    static func key() -> String { Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString() }

    @Test("a sealed password copied into another command, or sealed with an unknown key, is refused once with 400, not retried")
    func foreignSealRefused() async throws {
        let auth = try await AuthFixture.start()
        #expect(try await auth.signUp("ivy@example.com", "open sesame").status == 201)
        func sealed(for id: UUID) throws -> Password {
            .sealed(try PasswordSealer(keys: .development).seal(
                "open sesame", for: .init(commandID: id.uuidString, type: SignIn.type, email: "ivy@example.com")))
        }
        // The command it was sealed for opens it. (Every command below has an id of its own:
        // a repeated id would be answered from the inbox as a duplicate.)
        let original = UUID()
        let box = try sealed(for: original)
        #expect(try await auth.harness.send(SignIn(email: "ivy@example.com", password: box), userID: nil, id: original).status == 200)

        let replayed = try await auth.harness.send(SignIn(email: "ivy@example.com", password: box), userID: nil)
        let (second, third) = (UUID(), UUID())
        let otherEmail = try await auth.harness.send(SignIn(email: "eve@example.com", password: try sealed(for: second)), userID: nil, id: second)
        let otherType = try await auth.harness.send(SignUp(email: "ivy@example.com", password: try sealed(for: third)), userID: nil, id: third)
        let strangeKey = try PasswordSealer(keys: PasswordSealKeys(parsing: "elsewhere:\(Self.key())"))
        let foreignID = UUID()
        let foreign = try strangeKey.seal("open sesame", for: .init(commandID: foreignID.uuidString, type: SignIn.type, email: "ivy@example.com"))
        let unknownKey = try await auth.harness.send(SignIn(email: "ivy@example.com", password: .sealed(foreign)), userID: nil, id: foreignID)
        for reply in [replayed, otherEmail, otherType, unknownKey] {
            #expect(reply.status == 400)
            #expect(reply.errors.map(\.field) == ["password"])
        }
        #expect(try await auth.harness.deadLetters(of: auth.harness.keys.commands(.auth)) == 0)
        try await auth.stop()
    }

    @Test("keys rotate: the first seals, every one opens; bad settings are refused without showing a key")
    func rotation() throws {
        let (old, new) = (Self.key(), Self.key())
        let before = PasswordSealer(keys: try PasswordSealKeys(parsing: "k1:\(old)"))
        let after = PasswordSealer(keys: try PasswordSealKeys(parsing: "k2:\(new), k1:\(old)"))
        let binding = PasswordSealer.Binding(commandID: UUID().uuidString, type: SignIn.type, email: "a@example.com")
        let sealedBefore = try before.seal("secret words", for: binding)
        #expect(sealedBefore.keyID == "k1")
        #expect(try after.open(sealedBefore, for: binding) == "secret words")
        #expect(try after.seal("secret words", for: binding).keyID == "k2")
        #expect(throws: PasswordSealError.self) { try before.open(try after.seal("x", for: binding), for: binding) }

        for bad in ["", "k1", "k1:not-base64!", "k1:\(Data(count: 16).base64EncodedString())", ":\(old)", "k1:\(old),k1:\(new)"] {
            #expect { try PasswordSealKeys(parsing: bad) } throws: { !"\($0)".contains(old) && !"\($0)".contains(new) }
        }
    }

    @Test("the auth worker refuses to start in production without a real seal key; it uses the development key only outside production")
    func productionNeedsKey() async throws {
        let harness = try await ServiceHarness.make()
        let configuration = harness.configuration()
        #expect(throws: ConfigurationError.self) {
            try AuthService.definition(configuration: configuration, bcryptCost: 10, environment: ["APP_ENV": "production"])
        }
        #expect(throws: ConfigurationError.self) {
            try AuthService.definition(configuration: configuration, bcryptCost: 10, environment: [
                "APP_ENV": "production", "PASSWORD_SEAL_KEYS": "\(PasswordSealKeys.developmentKeyID):\(Self.key())"])
        }
        _ = try AuthService.definition(configuration: configuration, bcryptCost: 10, environment: [
            "APP_ENV": "production", "PASSWORD_SEAL_KEYS": "prod-1:\(Self.key())"])
        _ = try AuthService.definition(configuration: configuration, bcryptCost: 10, environment: [:])
        await harness.close()
    }
}
