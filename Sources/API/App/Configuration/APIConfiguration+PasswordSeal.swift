import PasswordSeal

extension APIConfiguration {
    /// The keys that seal passwords to the auth service. Without `PASSWORD_SEAL_KEYS` the
    /// marked development keys are used, but only outside production and on a loopback
    /// address, where no one else can send commands through this API anyway.
    func passwordSeal() throws -> PasswordSealKeys {
        do {
            return try PasswordSealKeys.configured(
                passwordSealKeys, developmentAllowed: environment != .production && Self.isLoopback(host),
                refusal: "\(PasswordSealKeys.variable) is required (and the development key refused) in production or when HOST is not a loopback address")
        } catch let error as PasswordSealError {
            throw APIConfigurationError(error.description)
        }
    }
}
