import Contracts
import Foundation
import PostgresClient
import WorkerRuntime

/// Accounts: SignUp and SignIn, answered to the API; no events.
public enum AuthService {
    /// bcrypt's cost when neither the caller nor `BCRYPT_COST` says otherwise.
    public static let defaultBcryptCost = 10

    /// - Parameters:
    ///   - bcryptCost: log2 of bcrypt's rounds, at least 10; nil reads `BCRYPT_COST`, then
    ///     uses ``defaultBcryptCost``.
    public static func definition(
        configuration: WorkerConfiguration,
        bcryptCost: Int? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ServiceDefinition {
        let hasher = try PasswordHasher(cost: try bcryptCost ?? cost(from: environment))
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw ConfigurationError("the auth migrations are missing from the service's resources")
        }
        var service = ServiceDefinition(name: ServiceName.auth.rawValue)
        service.migrations = [(schema: ServiceName.auth.rawValue, migrations: try Migration.load(from: directory))]
        let commands = configuration.keys.commands(.auth)
        service.on(SignUp.type, in: commands, deleteWhenHandled: true) { message, context in
            try await SignUpHandler.handle(message, context, hasher: hasher)
        }
        service.on(SignIn.type, in: commands, deleteWhenHandled: true) { message, context in
            try await SignInHandler.handle(message, context, hasher: hasher)
        }
        return service
    }

    private static func cost(from environment: [String: String]) throws -> Int {
        guard let raw = environment["BCRYPT_COST"], !raw.isEmpty else { return defaultBcryptCost }
        guard let cost = Int(raw) else { throw ConfigurationError("BCRYPT_COST must be a whole number, not \(raw)") }
        return cost
    }
}
