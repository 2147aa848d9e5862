import API
import Contracts
import FleetTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import PasswordSeal
import Prometheus
import Testing

@Suite("passwords and sign-in abuse", .timeLimit(.minutes(3)))
struct PasswordSealTests {
    static func sealKeys() -> String { "api-test:\(Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())" }

    @Test("production, or a HOST that is not loopback, refuses to build without PASSWORD_SEAL_KEYS or with the development key")
    func sealKeyRequired() async throws {
        let development = "\(PasswordSealKeys.developmentKeyID):\(Data(count: 32).base64EncodedString())"
        for (environment, host, keys) in [
            (APIConfiguration.Environment.production, "127.0.0.1", nil),
            (.production, "127.0.0.1", development),
            (.development, "0.0.0.0", nil),
            (.development, "0.0.0.0", development),
            (.development, "127.0.0.1", "not-a-key-list"),
        ] as [(APIConfiguration.Environment, String, String?)] {
            var configuration = APIConfiguration()
            configuration.environment = environment
            configuration.jwtKey = String(repeating: "k", count: 32)
            configuration.host = host
            configuration.passwordSealKeys = keys
            #expect(throws: APIConfigurationError.self, "\(environment) \(host) \(keys ?? "no keys")") { try configuration.validate() }
        }
        var configuration = try APIConfiguration.fromEnvironment([
            "PASSWORD_SEAL_KEYS": Self.sealKeys(), "HOST": "0.0.0.0", "JWT_KEY": String(repeating: "k", count: 32),
        ])
        try configuration.validate()
        configuration.passwordSealKeys = nil
        configuration.host = "127.0.0.1"
        try configuration.validate()
    }

    @Test("a sign-up's stream entry carries the password sealed to the auth service, bound to its command, never in the clear")
    func sealedOnTheStream() async throws {
        let keys = Self.sealKeys()
        try await APITestHarness.with(configure: { $0.passwordSealKeys = keys }) { harness, client in
            let marker = "pw-\(UUID().uuidString)"
            let response = try await client.send(.post, "/api/users/signup", json: #"{"email":"seal@example.com","password":"\#(marker)"}"#)
            #expect(response.status == .created)
            let entries = try await harness.services.redis.xrange(harness.services.keys.commands(.auth))
            let entry = try #require(entries.first)
            #expect(entries.allSatisfy { !$0.fields.map(\.value).joined().contains(marker) })
            let data = try #require(entry[EnvelopeField.data])
            let command = try MessageCoding.decode(SignUp.self, from: data)
            guard case .sealed(let sealed) = command.password else { Issue.record("not sealed"); return }
            #expect(sealed.keyID == "api-test")
            let sealer = PasswordSealer(keys: try PasswordSealKeys(parsing: keys))
            let id = try #require(entry[EnvelopeField.id])
            #expect(try sealer.open(sealed, for: .init(commandID: id, type: SignUp.type, email: "seal@example.com")) == marker)
            #expect(throws: PasswordSealError.self) { try sealer.open(sealed, for: .init(commandID: UUID().uuidString, type: SignUp.type, email: "seal@example.com")) }
        }
    }

    @Test("passwords with control characters, or new ones over 72 UTF-8 bytes, are refused by the API; emails are normalised (NFC, case, spaces)")
    func passwordAndEmailRules() async throws {
        try await APITestHarness.with { harness, client in
            for (path, password) in [
                ("signup", "password\\u0000123"), ("signin", "password\\u0000123"), ("signup", "pass\\u001bword123"),
                ("signup", String(repeating: "é", count: 37)),
            ] {
                let response = try await client.send(.post, "/api/users/\(path)", json: #"{"email":"a@example.com","password":"\#(password)"}"#)
                #expect(response.status == .badRequest, "\(path) \(password)")
                #expect(response.fields == ["password"], "\(path) \(password)")
            }
            #expect(harness.responder.handled.isEmpty)
        }
        let command = try CredentialsInput(email: " JOSE\u{301}@Example.COM ", password: String(repeating: "é", count: 36)).signUp()
        #expect(Array(command.email.utf8) == Array("jos\u{e9}@example.com".utf8))
    }

    @Test("failed sign-ins and 401s are counted, without the email")
    func counters() async throws {
        let harness = try await APITestHarness.make()
        let registry = PrometheusCollectorRegistry()
        var configuration = harness.configuration()
        // The sign-in back-off would answer the second failure 429 before the service sees it.
        configuration.limits.signInBackoffBase = .zero
        let app = try await buildApplication(configuration: configuration, metrics: registry)
        try await app.test(.router) { client in
            for _ in 0..<2 {
                let refused = try await client.send(.post, "/api/users/signin", json: #"{"email":"counted@example.com","password":"wrong-password"}"#)
                #expect(refused.status == .badRequest)
            }
            _ = try await client.send(.post, "/api/users/signin", json: #"{"email":"counted@example.com","password":"right-password"}"#)
            #expect(try await client.send(.get, "/api/orders").status == .unauthorized)
            #expect(try await client.send(.get, "/api/orders", token: "not.a.token").status == .unauthorized)
        }
        try await harness.close()
        let text = registry.emitToString()
        #expect(text.contains("api_sign_in_failures_total 2"), "\(text)")
        #expect(text.contains("api_unauthorized_total 2"), "\(text)")
        #expect(!text.contains("counted@example.com"))
    }
}
