import API
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Observability
import Web

/// The HTTP API. Flags override environment variables, which override the defaults.
struct Api: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "api", abstract: "The ticketing fleet's HTTP API.")

    @Option(name: .customLong("redis-url"), help: "Redis URL (REDIS_URL).")
    var redisURL: String?
    @Option(name: .customLong("database-url"), help: "Postgres URL or keyword string (DATABASE_URL).")
    var databaseURL: String?
    @Option(name: .customLong("key-prefix"), help: "Prefix of every Redis key (KEY_PREFIX).")
    var keyPrefix: String?
    @Option(name: .customLong("host"), help: "Address to listen on (HOST, default 127.0.0.1).")
    var host: String?
    @Option(name: .customLong("port"), help: "Port to listen on (PORT, default 3000).")
    var port: Int?
    @Option(name: .customLong("app-env"), help: "development or production (APP_ENV).")
    var appEnvironment: String?
    @Option(name: .customLong("cookie-secure"), help: "Mark the session cookie Secure: true or false (COOKIE_SECURE).")
    var cookieSecure: String?
    @Option(name: .customLong("command-timeout-ms"), help: "How long a request waits for a reply before 202 (COMMAND_TIMEOUT_MS, default 5000).")
    var commandTimeoutMilliseconds: Int?
    @Option(name: .customLong("instance"), help: "Name of this copy's reply stream (API_INSTANCE, default host-pid-random).")
    var instance: String?
    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted (MAX_BODY_BYTES, default 65536).")
    var maxBodyBytes: Int?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (LOG_LEVEL).")
    var logLevel: String?
    @Option(name: .customLong("log-format"), help: "text or json (LOG_FORMAT, default text).")
    var logFormat: String?
    @Option(name: .customLong("metrics-port"), help: "Operations port for /metrics, /healthz and /readyz; 0 for any free one (METRICS_PORT; unset serves no /metrics).")
    var metricsPort: Int?
    @Option(name: .customLong("metrics-host"), help: "Address the operations port listens on (METRICS_HOST, default 127.0.0.1).")
    var metricsHost: String?

    // The signing keys have no flag on purpose: flags show up in `ps`. They come from JWT_KEY
    // or JWT_KEYS only, as the password seal keys come from PASSWORD_SEAL_KEYS only.

    func run() async throws {
        var overrides = ProcessInfo.processInfo.environment
        if let redisURL { overrides["REDIS_URL"] = redisURL }
        if let databaseURL { overrides["DATABASE_URL"] = databaseURL }
        if let keyPrefix { overrides["KEY_PREFIX"] = keyPrefix }
        if let host { overrides["HOST"] = host }
        if let port { overrides["PORT"] = String(port) }
        if let appEnvironment { overrides["APP_ENV"] = appEnvironment }
        if let cookieSecure { overrides["COOKIE_SECURE"] = cookieSecure }
        if let commandTimeoutMilliseconds { overrides["COMMAND_TIMEOUT_MS"] = String(commandTimeoutMilliseconds) }
        if let instance { overrides["API_INSTANCE"] = instance }
        if let maxBodyBytes { overrides["MAX_BODY_BYTES"] = String(maxBodyBytes) }
        if let logLevel { overrides["LOG_LEVEL"] = logLevel }
        if let logFormat { overrides["LOG_FORMAT"] = logFormat }
        if let metricsPort { overrides["METRICS_PORT"] = String(metricsPort) }
        if let metricsHost { overrides["METRICS_HOST"] = metricsHost }
        let configuration = try APIConfiguration.fromEnvironment(overrides)
        let registry = ProcessObservability.bootstrap(try LogSettings.fromEnvironment(overrides))
        // The web pages ride along at `/`, with the API's bus and repositories in-process.
        let pageOptions = WebOptions.fromEnvironment(overrides)
        let app = try await buildApplication(configuration: configuration, logger: Logger(label: "api"), metrics: registry) { router, services in
            try await WebPages.addRoutes(to: router, services: services, options: pageOptions)
        }
        try await app.runService()
    }
}
