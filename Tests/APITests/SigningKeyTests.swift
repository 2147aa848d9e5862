import API
import Foundation
import Testing

@Suite("signing keys and where they may be used")
struct SigningKeyTests {
    /// A real password seal key, so that only the signing key is in question.
    static let sealKeys = "signing-test:\(Data(repeating: 7, count: 32).base64EncodedString())"

    @Test("the development key is refused on an address other machines can reach, accepted on loopback")
    func developmentKeyOnlyOnLoopback() async throws {
        for host in ["0.0.0.0", "::", "10.1.2.3", "api.example.com"] {
            var configuration = APIConfiguration()
            configuration.host = host
            configuration.passwordSealKeys = Self.sealKeys
            let error = await #expect(throws: APIConfigurationError.self, "\(host)") {
                _ = try await buildApplication(configuration: configuration)
            }
            #expect(error?.description.contains("JWT_KEY is required") == true)
            // Naming the development key outright is no way round it.
            configuration.jwtKey = APIConfiguration.developmentJWTKey
            #expect(throws: APIConfigurationError.self) { try configuration.validate() }
        }
        for host in ["127.0.0.1", "::1", "localhost", "127.0.0.2"] {
            var configuration = APIConfiguration()
            configuration.host = host
            try configuration.validate()
        }
        var configuration = APIConfiguration()
        configuration.host = "0.0.0.0"
        configuration.passwordSealKeys = Self.sealKeys
        configuration.jwtKey = "a-real-key-given-by-the-operator-0123456789"
        try configuration.validate()
    }

    @Test("JWT_KEYS lists kid:secret pairs, the first signing; JWT_KEY alone is one key")
    func keyList() throws {
        let rotated = try APIConfiguration.fromEnvironment(["JWT_KEYS": "new:secret-2,old:secret:1", "JWT_KEY": "ignored"])
        #expect(rotated.signingKeys == [.init(id: "new", secret: "secret-2"), .init(id: "old", secret: "secret:1")])
        let single = try APIConfiguration.fromEnvironment(["JWT_KEY": "only"])
        #expect(single.signingKeys == [.init(id: APIConfiguration.singleKeyID, secret: "only")])
        for bad in ["nokid", ":secret", "a:", "a:x,a:y", "a:x,"] {
            #expect(throws: APIConfigurationError.self, "\(bad)") { try APIConfiguration.fromEnvironment(["JWT_KEYS": bad]) }
        }
        var production = try APIConfiguration.fromEnvironment([
            "APP_ENV": "production", "JWT_KEYS": "new:\(String(repeating: "n", count: 32)),old:short", "PASSWORD_SEAL_KEYS": Self.sealKeys,
        ])
        #expect(throws: APIConfigurationError.self) { try production.validate() }
        production.jwtKeys = [.init(id: "new", secret: String(repeating: "n", count: 32))]
        try production.validate()
    }

    @Test("production refuses COOKIE_SECURE=false")
    func productionNeedsSecureCookies() throws {
        var configuration = APIConfiguration()
        configuration.environment = .production
        configuration.jwtKey = String(repeating: "k", count: 32)
        configuration.passwordSealKeys = Self.sealKeys
        configuration.cookieSecure = false
        let error = #expect(throws: APIConfigurationError.self) { try configuration.validate() }
        #expect(error?.description.contains("COOKIE_SECURE") == true)
        configuration.cookieSecure = nil
        try configuration.validate()
    }
}
