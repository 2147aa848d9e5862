import Contracts
import Foundation
import PasswordSeal

/// How the API runs. Every field has a flag in the executable and an environment variable
/// (named beside it) as fallback; ``fromEnvironment(_:)`` reads the variables.
public struct APIConfiguration: Sendable {
    /// `APP_ENV`: `production` insists on a real signing key; `development` has a marked default.
    public enum Environment: String, Sendable, CaseIterable {
        case development
        case production
    }

    /// The signing key used when none is given outside production. It says what it is, so it
    /// is recognised (and refused) anywhere it should not be.
    public static let developmentJWTKey = "development-only-jwt-key-never-use-in-production"

    /// `APP_ENV`
    public var environment: Environment = .development
    /// `REDIS_URL`
    public var redisURL: String = "redis://127.0.0.1:6379/0"
    /// `DATABASE_URL`: the reads use it through read-only sessions.
    public var databaseURL: String = "postgresql://postgres@127.0.0.1:5432/ticketing"
    /// `KEY_PREFIX`
    public var keyPrefix: String = KeySpace.defaultPrefix
    /// `HOST`
    public var host: String = "127.0.0.1"
    /// `PORT`
    public var port: Int = 3000
    /// `JWT_KEY`: the HS256 secret. Nil means "not given".
    public var jwtKey: String?
    /// `COOKIE_SECURE`: mark the session cookie `Secure`; defaults to on in production.
    public var cookieSecure: Bool?
    /// `COMMAND_TIMEOUT_MS`: how long a request waits for a service's reply before answering 202.
    public var commandTimeout: Duration = .milliseconds(5000)
    /// `API_INSTANCE`: names this copy's reply stream; unique per process.
    public var instance: String = APIConfiguration.defaultInstance()
    /// `MAX_BODY_BYTES`: larger request bodies get 413.
    public var maxBodyBytes: Int = 64 * 1024
    /// How long `/readyz` gives Redis and Postgres to answer.
    public var readinessTimeout: Duration = .seconds(1)
    /// How long one `XREAD` of the reply stream blocks; bounded so shutdown is prompt.
    public var replyBlock: Duration = .seconds(1)
    /// `REPLY_NOTIFY`: also take the services' replies by Postgres notification, on a channel
    /// this copy listens on (``ReplyNotice``), which answers without waiting for Redis; off,
    /// replies come by the reply stream only.
    public var replyNotify: Bool = true
    /// `JWT_KEYS`: `kid:secret,kid:secret,…` for key rotation: the first signs, all verify.
    /// Takes the place of `JWT_KEY` when set.
    public var jwtKeys: [SigningKey] = []

    /// One HS256 secret and the id (`kid`) tokens signed with it carry.
    public struct SigningKey: Sendable, Hashable {
        public let id: String
        public let secret: String
        public init(id: String, secret: String) { self.id = id; self.secret = secret }
    }

    /// The `kid` of `JWT_KEY` when it is given alone: list it under this id in `JWT_KEYS` to
    /// keep its sessions valid while rotating to a new key.
    public static let singleKeyID = "default"
    /// The `kid` of the development key.
    public static let developmentKeyID = "development"
    /// `PASSWORD_SEAL_KEYS`: `kid:base64key,…`, shared with the auth worker only; the first
    /// seals sign-up and sign-in passwords. Nil means "not given" (see ``passwordSeal()``).
    public var passwordSealKeys: String?
    /// `RATE_LIMITS`, `LIMIT_*`, `SIGNIN_BACKOFF_*`: limits on sign-in, sign-up, orders and payments.
    public var limits = RateLimits()
    /// `TRUSTED_PROXIES`: addresses or CIDR networks (comma-separated) of proxies whose
    /// `X-Forwarded-For` names the client; without any, the socket's peer is the client.
    public var trustedProxies: [String] = []
    /// `PUBLIC_ORIGIN`: the site's origins (comma-separated, e.g. `https://tickets.example.com`)
    /// that state-changing `/api` requests from browsers must come from; unset, the request's host.
    public var publicOrigins: [String] = []
    /// `METRICS_PORT`: the operations port (`/metrics`, `/healthz`, `/readyz`); unset serves none.
    public var metricsPort: Int?
    /// `METRICS_HOST`: the address the operations port listens on.
    public var metricsHost: String = "127.0.0.1"

    public init() {}

    /// The defaults, overridden by whichever environment variables are set.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> APIConfiguration {
        var configuration = APIConfiguration()
        try configuration.apply(environment: environment)
        return configuration
    }

    /// Overrides fields with the environment variables that are set (empty counts as unset).
    public mutating func apply(environment: [String: String]) throws {
        func value(_ name: String) -> String? {
            guard let raw = environment[name], !raw.isEmpty else { return nil }
            return raw
        }
        func integer(_ name: String, range: ClosedRange<Int>) throws -> Int? {
            guard let raw = value(name) else { return nil }
            guard let number = Int(raw), range.contains(number) else {
                throw APIConfigurationError("\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), not \(raw)")
            }
            return number
        }
        if let raw = value("APP_ENV") {
            guard let parsed = Environment(rawValue: raw.lowercased()) else {
                throw APIConfigurationError("APP_ENV must be development or production, not \(raw)")
            }
            self.environment = parsed
        }
        if let raw = value("REDIS_URL") { redisURL = raw }
        if let raw = value("DATABASE_URL") { databaseURL = raw }
        if let raw = value("KEY_PREFIX") { keyPrefix = raw }
        if let raw = value("HOST") { host = raw }
        if let number = try integer("PORT", range: 0...65_535) { port = number }
        if let raw = value("JWT_KEY") { jwtKey = raw }
        func boolean(_ name: String) throws -> Bool? {
            guard let raw = value(name) else { return nil }
            guard let flag = Self.flag(raw) else { throw APIConfigurationError("\(name) must be true or false, not \(raw)") }
            return flag
        }
        if let flag = try boolean("COOKIE_SECURE") { cookieSecure = flag }
        if let flag = try boolean("REPLY_NOTIFY") { replyNotify = flag }
        if let number = try integer("COMMAND_TIMEOUT_MS", range: 1...600_000) { commandTimeout = .milliseconds(number) }
        if let raw = value("API_INSTANCE") { instance = raw }
        if let number = try integer("MAX_BODY_BYTES", range: 1...(64 * 1024 * 1024)) { maxBodyBytes = number }
        if let raw = value("JWT_KEYS") { jwtKeys = try Self.parseKeys(raw) }
        if let raw = value(PasswordSealKeys.variable) { passwordSealKeys = raw }
        try limits.apply(environment: environment)
        func list(_ name: String) -> [String]? {
            value(name).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        }
        if let entries = list("TRUSTED_PROXIES") { trustedProxies = entries }
        if let entries = list("PUBLIC_ORIGIN") { publicOrigins = entries }
        if let number = try integer("METRICS_PORT", range: 0...65_535) { metricsPort = number }
        if let raw = value("METRICS_HOST") { metricsHost = raw }
    }

    /// A yes-or-no setting's value (`1`, `true`, `yes`, `on` and their opposites, any case),
    /// or nil for anything else.
    static func flag(_ raw: String) -> Bool? {
        switch raw.lowercased() {
        case "1", "true", "yes", "on": true
        case "0", "false", "no", "off": false
        default: nil
        }
    }

    /// `kid:secret` pairs, comma-separated; the error names the variable, never a secret.
    static func parseKeys(_ raw: String) throws -> [SigningKey] {
        var keys: [SigningKey] = []
        for pair in raw.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let id = parts[0].trimmingCharacters(in: .whitespaces)
            guard parts.count == 2, !id.isEmpty, !parts[1].isEmpty else {
                throw APIConfigurationError("JWT_KEYS must be kid:secret pairs separated by commas")
            }
            guard !keys.contains(where: { $0.id == id }) else {
                throw APIConfigurationError("JWT_KEYS names the key id \(id) twice")
            }
            keys.append(SigningKey(id: id, secret: String(parts[1])))
        }
        return keys
    }

    /// Refuses settings that cannot work or are unsafe: in production, a missing, short or
    /// development signing key, or cookies not marked Secure; anywhere, the development key on
    /// an address other machines can reach.
    public func validate() throws {
        guard !keyPrefix.isEmpty, !keyPrefix.contains(where: \.isWhitespace) else {
            throw APIConfigurationError("KEY_PREFIX must be non-empty and without spaces")
        }
        guard !instance.isEmpty, !instance.contains(where: \.isWhitespace) else {
            throw APIConfigurationError("API_INSTANCE must be non-empty and without spaces")
        }
        guard maxBodyBytes > 0 else { throw APIConfigurationError("MAX_BODY_BYTES must be positive") }
        _ = try trustedNetworks
        _ = try allowedOrigins
        let keys = signingKeys
        let usesDevelopmentKey = keys.contains { $0.secret == Self.developmentJWTKey }
        if environment == .production {
            guard !usesDevelopmentKey else {
                throw APIConfigurationError("JWT_KEY is required in production")
            }
            guard keys.allSatisfy({ $0.secret.utf8.count >= 32 }) else {
                throw APIConfigurationError("JWT_KEY must be at least 32 bytes in production")
            }
            guard cookieSecure != false else {
                throw APIConfigurationError("COOKIE_SECURE=false is refused in production: the session cookie must be Secure")
            }
        }
        // The development key is public (it is in the source): anyone who can reach the API
        // could forge a session with it, so it serves only an API no other machine can reach.
        if usesDevelopmentKey && !Self.isLoopback(host) {
            throw APIConfigurationError(
                "JWT_KEY is required when HOST is \(host): the development key is accepted only on loopback (127.0.0.1, ::1, localhost)")
        }
        _ = try passwordSeal()
    }

    /// Whether `host` is reachable from this machine only.
    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// The keys in force: `JWT_KEYS`, else `JWT_KEY` alone, else the development key. The
    /// first signs; all verify.
    public var signingKeys: [SigningKey] {
        if !jwtKeys.isEmpty { return jwtKeys }
        if let jwtKey { return [SigningKey(id: Self.singleKeyID, secret: jwtKey)] }
        return [SigningKey(id: Self.developmentKeyID, secret: Self.developmentJWTKey)]
    }

    /// The key tokens are signed with, and whether it is the development default.
    var signingKey: (key: String, isDevelopmentDefault: Bool) {
        let key = signingKeys[0].secret
        return (key, key == Self.developmentJWTKey)
    }

    /// Secure cookies unless told otherwise in development (plain HTTP on localhost).
    var secureCookies: Bool { cookieSecure ?? (environment == .production) }

    var keys: KeySpace { KeySpace(prefix: keyPrefix) }

    var trustedNetworks: [IPNetwork] {
        get throws { try ClientAddressResolver.parse(trustedProxies).get() }
    }

    var allowedOrigins: Set<String> {
        get throws {
            Set(try publicOrigins.map { origin in
                guard let normalised = SameOriginMiddleware<APIRequestContext>.normalise(origin) else {
                    throw APIConfigurationError("PUBLIC_ORIGIN: \(origin) is not an origin such as https://tickets.example.com")
                }
                return normalised
            })
        }
    }

    /// host-pid-random: unique per process, readable in `redis-cli --scan`.
    public static func defaultInstance() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
    }
}

/// A setting that cannot work; the message says which and why, and never shows a secret.
public struct APIConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
