import Contracts
import Foundation
import PasswordSeal
import PostgresClient
import WorkerRuntime

/// Accounts: SignUp and SignIn, answered to the API; no events.
public enum AuthService {
    /// bcrypt's cost when neither the caller nor `BCRYPT_COST` says otherwise.
    public static let defaultBcryptCost = 10

    /// - Parameters:
    ///   - bcryptCost: log2 of bcrypt's rounds, at least 10; nil reads `BCRYPT_COST`, then
    ///     uses ``defaultBcryptCost``.
    ///   - environment: also `PASSWORD_SEAL_KEYS` (the API's, to open the passwords it sealed)
    ///     and `APP_ENV`: without keys the marked development key is used, except in production.
    public static func definition(
        configuration: WorkerConfiguration,
        bcryptCost: Int? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ServiceDefinition {
        let hasher = try PasswordHasher(cost: try bcryptCost ?? cost(from: environment))
        let sealer = PasswordSealer(keys: try sealKeys(from: environment))
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw ConfigurationError("the auth migrations are missing from the service's resources")
        }
        var service = ServiceDefinition(name: ServiceName.auth.rawValue)
        service.migrations = [(schema: ServiceName.auth.rawValue, migrations: try Migration.load(from: directory))]
        let commands = configuration.keys.commands(.auth)
        service.on(SignUp.type, in: commands, deleteWhenHandled: true) { message, context in
            try await SignUpHandler.handle(message, context, hasher: hasher, sealer: sealer)
        }
        service.on(SignIn.type, in: commands, deleteWhenHandled: true) { message, context in
            try await SignInHandler.handle(message, context, hasher: hasher, sealer: sealer)
        }
        return service
    }

    private static func sealKeys(from environment: [String: String]) throws -> PasswordSealKeys {
        let production = environment["APP_ENV"]?.lowercased() == "production"
        do {
            return try PasswordSealKeys.configured(
                environment[PasswordSealKeys.variable], developmentAllowed: !production,
                refusal: "\(PasswordSealKeys.variable) is required (and the development key refused) in production")
        } catch let error as PasswordSealError {
            throw ConfigurationError(error.description)
        }
    }

    private static func cost(from environment: [String: String]) throws -> Int {
        guard let raw = environment["BCRYPT_COST"], !raw.isEmpty else { return defaultBcryptCost }
        guard let cost = Int(raw) else { throw ConfigurationError("BCRYPT_COST must be a whole number, not \(raw)") }
        return cost
    }
}
